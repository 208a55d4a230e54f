// Reads the state file and keeps it durable: every change is written atomically (temp file, fsync, rename)
// before the caller goes on, so an interrupted apply keeps every success made before it.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { nextState, parseState, serializeState, type State, type StateEvent } from '../core/state.js';
import { UserError } from '../errors.js';
import { escapeRegExp, tempNamePattern, writeFileDurably, type WriteFs } from './durable-write.js';
import { fileError } from './file-error.js';
import { isAlive } from './lock.js';

export async function readStateFile(file: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError('read', 'state file', file, err, '--state');
  }
  // An editor may add a byte order mark; JSON.parse would refuse it.
  const r = parseState(text.replace(/^\uFEFF/, ''));
  if ('error' in r) throw new UserError(`state file ${file} ${r.error}`);
  return r.state;
}

export async function writeStateFile(file: string, state: State, fs?: WriteFs): Promise<void> {
  try {
    await writeFileDurably(file, serializeState(state), fs);
  } catch (err) {
    throw fileError('write', 'state file', file, err, '--state');
  }
}

/**
 * Removes the temp files a killed run left next to the state file (and its lock): our own names only,
 * and only when their writer is gone (or, for write-file-atomic's `<state>.<number>` of older versions
 * and lock takeover claims, when older than a minute). Called under the lock, so no other apply is writing.
 */
export async function removeStaleTempFiles(stateFile: string): Promise<void> {
  const dir = path.dirname(stateFile);
  const ours = [tempNamePattern(stateFile), tempNamePattern(`${stateFile}.lock`)];
  const legacy = new RegExp(`^${escapeRegExp(path.basename(stateFile))}\\.\\d{6,10}$`);
  // A takeover claim left by a run killed mid-takeover (see lock.ts).
  const claim = new RegExp(`^\\.${escapeRegExp(path.basename(stateFile))}\\.lock\\.tmp-claim-\\d+-\\d+$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = ours.map((p) => p.exec(name)?.[1]).find((m) => m !== undefined);
    const full = path.join(dir, name);
    if (pid !== undefined) {
      if (Number(pid) !== process.pid && !isAlive(Number(pid))) await unlink(full).catch(() => undefined);
    } else if (legacy.test(name) || claim.test(name)) {
      const st = await stat(full).catch(() => undefined);
      if (st?.isFile() && Date.now() - st.mtimeMs > 60_000) await unlink(full).catch(() => undefined);
    }
  }
}

/**
 * The state of one apply. `commit` applies an event in memory and resolves once a write that contains
 * it is on disk. Writes never overlap; events that arrive during a write share the next one.
 * After a failed write every commit fails and `stopped` aborts: nothing more may be changed in
 * Open.cx that cannot be recorded. `throwIfFailed` then says what Open.cx holds that the file does not.
 */
export class StateStore {
  private writing: Promise<void> | undefined;
  /** Number of events applied in memory, and how many of them are known to be on disk. */
  private applied = 0;
  private durable = 0;
  /** The state as last written, and the events applied since (in memory only), oldest first. */
  private saved: State;
  private unsaved: StateEvent[] = [];
  private failure: UserError | undefined;
  private readonly stop = new AbortController();
  readonly stopped: AbortSignal = this.stop.signal;

  constructor(
    private readonly file: string,
    public state: State,
    private readonly fs?: WriteFs,
  ) {
    this.saved = state;
  }

  commit(event: StateEvent): Promise<void> {
    this.state = nextState(this.state, event);
    this.unsaved.push(event);
    if (this.failure) return Promise.reject(this.failure);
    return this.flushUpTo(++this.applied);
  }

  private async flushUpTo(version: number): Promise<void> {
    while (this.durable < version) {
      if (this.failure) throw this.failure;
      if (this.writing) {
        await this.writing;
        continue;
      }
      const target = this.applied;
      const state = this.state;
      const count = this.unsaved.length;
      this.writing = writeStateFile(this.file, state, this.fs)
        .then(
          () => {
            this.durable = target;
            this.saved = state;
            this.unsaved.splice(0, count);
          },
          (err: unknown) => {
            this.failure ??= err instanceof UserError ? err : new UserError(String(err));
            this.stop.abort(this.failure);
            throw this.failure;
          },
        )
        .finally(() => (this.writing = undefined));
      await this.writing;
    }
  }

  /** After a failed write: the error for the whole apply, listing the changes the file on disk lacks. */
  throwIfFailed(): void {
    if (!this.failure) return;
    const lost: string[] = [];
    // A create whose intent is on disk is found and adopted by the next apply; anything else needs a rebuild.
    let adoptable = 0;
    for (const e of this.unsaved) {
      if (e.type === 'written') {
        const known = this.saved.trainings.get(e.key)?.id === e.id;
        const pending = !known && this.saved.pending.has(e.key);
        if (pending) adoptable++;
        lost.push(`${known ? 'updated' : 'created'} ${e.key} (${e.id}${pending ? ', pending in the file' : ''})`);
      } else if (e.type === 'deleted') {
        const id = this.saved.trainings.get(e.key)?.id;
        lost.push(`deleted ${e.key}${id ? ` (${id})` : ''}`);
      }
    }
    const head = `${this.failure.message}. The apply stopped; the state file on disk is whole and holds every change up to the last write that worked.`;
    if (lost.length === adoptable) {
      const adopt = adoptable ? ` Done in Open.cx and pending in it: ${lost.join(', ')}; the next apply adopts them.` : ' Nothing was changed in Open.cx after it.';
      throw new UserError(`${head}${adopt} Fix the cause, then run apply again.`);
    }
    throw new UserError(
      `${head} Done in Open.cx but not recorded in it: ${lost.join(', ')}. ` +
        `Fix the cause, then run "opencx-sync state rebuild --force" to record what Open.cx holds, and "opencx-sync plan" to check.`,
    );
  }
}
