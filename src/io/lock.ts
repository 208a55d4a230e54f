// One apply at a time per state file. A lock file next to the state names its holder, so a second run
// can say who holds it; a holder that died (same host, process gone) is cleared at once.
// Hand-written rather than proper-lockfile: that one keeps no holder details and detects a dead
// holder only by an mtime timeout, which would make a run after a crash wait.
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { UserError } from '../errors.js';

interface Holder {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(stateFile: string, opts: { waitMs: number; command: string }): Promise<Lock> {
  const file = `${stateFile}.lock`;
  const me: Holder = { pid: process.pid, host: hostname(), command: opts.command, started: new Date().toISOString() };
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(me) + '\n');
      await fh.close();
      return { release: () => unlink(file).catch(() => undefined) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new UserError(`could not create the lock file ${file} (${code ?? (err as Error).message}): check that the state file's folder exists and is writable`);
      }
    }
    const holder = await readHolder(file);
    if (holder && holder.host === me.host && !isAlive(holder.pid)) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? `"${holder.command}" (pid ${holder.pid} on ${holder.host}, since ${holder.started})`
        : 'another run';
      throw new UserError(
        `state file ${stateFile} is locked by ${who}: wait for it to finish; if it is gone, delete ${file}`,
      );
    }
    await delay(100);
  }
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Holder;
  } catch {
    return undefined; // being written or removed right now: look again on the next round
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
