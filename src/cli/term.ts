// Where output goes. Colours on a TTY, never with NO_COLOR, always with FORCE_COLOR; progress only on a TTY.
import pc from 'picocolors';
import { describeWait } from '../core/wait.js';
import { redact } from '../errors.js';
import type { Hooks } from '../engine.js';
import type { Colors } from '../render/report.js';

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

/** https://no-color.org wins over FORCE_COLOR (as in picocolors); FORCE_COLOR=0 or false turns colours off too. */
export function colorEnabled(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY;
}

export function createTerm(verbose: boolean): Term {
  const tty = colorEnabled(process.env, Boolean(process.stdout.isTTY));
  const errTty = Boolean(process.stderr.isTTY);
  let drawn = false;
  // Plans and reports quote what Open.cx holds (a diff's old content, a title): a training with the key
  // pasted in, or a server echoing it, must not put the key on a terminal or in a CI log.
  const secret = process.env.OPENCX_API_KEY || undefined;
  const safe = (t: string) => (secret ? redact(t, secret) : t);
  const clear = () => {
    if (drawn) process.stderr.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    verbose,
    c: pc.createColors(tty),
    out: (t) => {
      clear();
      process.stdout.write(safe(t.endsWith('\n') ? t : `${t}\n`));
    },
    err: (t) => {
      clear();
      process.stderr.write(safe(t.endsWith('\n') ? t : `${t}\n`));
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
