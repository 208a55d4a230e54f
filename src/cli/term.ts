// Where output goes. Colours only on a TTY and never with NO_COLOR; progress only on a TTY.
import pc from 'picocolors';
import { describeWait } from '../core/wait.js';
import type { Hooks } from '../engine.js';
import type { Colors } from '../io/report.js';

export interface Term {
  out(text: string): void;
  err(text: string): void;
  verbose: boolean;
  c: Colors;
  /** Draws "label done/total" in place on stderr; a no-op when stderr is not a terminal. */
  progress(label: string, done: number, total: number): void;
  /** A passing status line (a long wait): drawn in place on a terminal, a line of its own in a log. */
  status(line: string): void;
}

/** What every command that talks to Open.cx reports: warnings, waits, and detail for --verbose. */
export function hooksFor(term: Term): Hooks {
  return {
    ...(term.verbose ? { log: term.err } : {}),
    warn: (line) => term.err(term.c.yellow(`Warning: ${line}`)),
    onWait: (w) => term.status(describeWait(w)),
  };
}

export function createTerm(verbose: boolean): Term {
  const tty = Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  const errTty = Boolean(process.stderr.isTTY);
  let drawn = false;
  const clear = () => {
    if (drawn) process.stderr.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    verbose,
    c: pc.createColors(tty),
    out: (t) => {
      clear();
      process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    err: (t) => {
      clear();
      process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    progress: (label, done, total) => {
      if (!errTty) return;
      const width = 24;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      process.stderr.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      drawn = done < total;
      if (!drawn) process.stderr.write('\r\x1b[2K');
    },
    status: (line) => {
      if (!errTty) {
        process.stderr.write(`${line}\n`);
        return;
      }
      process.stderr.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
  };
}
