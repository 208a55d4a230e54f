// One apply at a time per state file. A lock file next to the state names its holder, so a second run
// can say who holds it; a holder that died (same host, process gone) is cleared at once.
// Hand-written rather than proper-lockfile: that one keeps no holder details and detects a dead
// holder only by an mtime timeout, which would make a run after a crash wait.
//
// The lock appears whole or not at all: it is written to a temp file and hard-linked into place
// (link fails if the lock exists). A stale lock is replaced by one run only: each run that finds it
// stale must first create a claim file named after that very lock file (inode and mtime), which only
// one can do; the winner checks the lock is still the stale one and renames its own over it.
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { tempNameFor } from './durable-write.js';

interface Holder {
  pid: number;
  host: string;
  command: string;
  started: string;
  /** Tells this run's lock from any other, so release() removes only its own. */
  token?: string;
}

export interface Lock {
  release(): Promise<void>;
}

/** Stopped by Ctrl-C (or a cancelled job) while waiting for the lock: nothing was changed. */
export class InterruptedError extends UserError {
  override name = 'InterruptedError';
}

/** An empty or unreadable lock (a kill between create and write, in older versions) is stale after this. */
const DAMAGED_STALE_MS = 5_000;
/** A takeover claim lives for milliseconds; one this old was left by a run killed mid-takeover. */
const CLAIM_STALE_MS = 10_000;

export async function acquireLock(
  stateFile: string,
  opts: { waitMs: number; command: string; signal?: AbortSignal },
): Promise<Lock> {
  const file = `${stateFile}.lock`;
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    command: opts.command,
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(me) + '\n';
  const deadline = Date.now() + opts.waitMs;
  const owned = { release: () => releaseIfOwned(file, me.token!) };
  for (;;) {
    if (opts.signal?.aborted) throw interrupted(stateFile, undefined);
    if (await tryCreate(file, text)) return owned;
    const seen = await readLock(file);
    if (!seen) continue; // removed meanwhile: try again at once
    if (isStale(seen, me.host) && (await takeOver(file, seen, text))) return owned;
    if (Date.now() >= deadline) {
      throw new UserError(`state file ${stateFile} is locked by ${who(seen.holder)}: wait for it to finish; if it is gone, delete ${file}`);
    }
    try {
      await delay(100, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      throw interrupted(stateFile, seen.holder);
    }
  }
}

function who(holder: Holder | undefined): string {
  return holder ? `"${holder.command}" (pid ${holder.pid} on ${holder.host}, since ${holder.started})` : 'another run';
}

function interrupted(stateFile: string, holder: Holder | undefined): InterruptedError {
  return new InterruptedError(`stopped while waiting for the lock on ${stateFile}${holder ? ` (held by ${who(holder)})` : ''}: nothing was changed`);
}

/** Creates the lock with its content in one step; false if a lock exists. */
async function tryCreate(file: string, text: string): Promise<boolean> {
  const temp = tempNameFor(file);
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await link(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links: exclusive create, then write.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') return createExclusive(file, text);
    throw new UserError(`could not create the lock file ${file} (${code ?? (err as Error).message}): check that the state file's folder exists and is writable`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

interface Seen {
  holder: Holder | undefined;
  ino: number;
  mtimeMs: number;
}

/** The lock as it is now, content and identity read from one open file; undefined if there is none. */
async function readLock(file: string): Promise<Seen | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    const text = await fh.readFile('utf8');
    return { holder: parseHolder(text), ino: st.ino, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder> | null;
    return h && typeof h.pid === 'number' && typeof h.host === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

function isStale(seen: Seen, host: string): boolean {
  if (!seen.holder) return Date.now() - seen.mtimeMs > DAMAGED_STALE_MS;
  return seen.holder.host === host && !isAlive(seen.holder.pid);
}

/** Replaces the stale lock `seen` with ours, unless another run is doing (or did) just that. */
async function takeOver(file: string, seen: Seen, text: string): Promise<boolean> {
  const claim = path.join(path.dirname(file), `.${path.basename(file)}.tmp-claim-${seen.ino}-${Math.trunc(seen.mtimeMs)}`);
  try {
    await writeFile(claim, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') await removeOldClaim(claim);
    return false;
  }
  try {
    const now = await readLock(file);
    if (!now || now.ino !== seen.ino || now.mtimeMs !== seen.mtimeMs) return false;
    const temp = tempNameFor(file);
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, file).catch(async (err: unknown) => {
      await unlink(temp).catch(() => undefined);
      throw err;
    });
    return true;
  } finally {
    // Only after the rename: a slower run that claims the same stale lock next finds ours in its place.
    await unlink(claim).catch(() => undefined);
  }
}

async function removeOldClaim(claim: string): Promise<void> {
  const fh = await open(claim, 'r').catch(() => undefined);
  if (!fh) return;
  const st = await fh.stat().catch(() => undefined);
  await fh.close().catch(() => undefined);
  if (st && Date.now() - st.mtimeMs > CLAIM_STALE_MS) await unlink(claim).catch(() => undefined);
}

async function releaseIfOwned(file: string, token: string): Promise<void> {
  const seen = await readLock(file);
  if (seen?.holder?.token === token) await unlink(file).catch(() => undefined);
}

/** Whether a process with this pid runs on this machine (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
