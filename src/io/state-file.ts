// Reads the state file and keeps it durable. A small state file is rewritten atomically (temp file,
// fsync, rename) on every change; a big one takes changes in its journal (journal.ts), one fsynced line
// each, folded into the state file at the end of the run. Either way an interrupted apply keeps every
// success made before it.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { applyEvent, copyState, parseState, serializeState, type State, type StateEvent } from '../core/state.js';
import { UserError } from '../errors.js';
import { escapeRegExp, syncFolder, tempNamePattern, writeFileDurably, type WriteFs } from './durable-write.js';
import { fileError } from './file-error.js';
import { foldMark, journalMeaning, journalPathFor, JournalWriter, readJournal, sha256 } from './journal.js';
import { isAlive } from './lock.js';

/**
 * From this size on, a state file takes events in its journal: below it a whole rewrite costs about the
 * same as an append (both are one fsync or two), above it the rewrite grows with every tracked training.
 */
export const JOURNAL_FROM_BYTES = 16 * 1024;

/** The state file text on disk, by its hash and size. */
export interface StateBase {
  hash: string;
  bytes: number;
}

async function readStateBytes(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError('read', 'state file', file, err, '--state');
  }
}

function parseStateBytes(file: string, data: Buffer): State {
  // An editor may add a byte order mark; JSON.parse would refuse it.
  const r = parseState(data.toString('utf8').replace(/^\uFEFF/, ''));
  if ('error' in r) throw new UserError(`state file ${file} ${r.error}`);
  return r.state;
}

const baseOf = (data: Uint8Array | string): StateBase => ({ hash: sha256(data), bytes: Buffer.byteLength(data) });

/** The state file alone, without its journal. */
export async function readStateFile(file: string): Promise<State | undefined> {
  const data = await readStateBytes(file);
  return data && parseStateBytes(file, data);
}

/** The state as the last run left it: the state file with a leftover journal replayed, in memory only (no lock needed). */
export async function readCurrentState(file: string): Promise<State | undefined> {
  const [data, journal] = await Promise.all([readStateBytes(file), readJournal(journalPathFor(file))]);
  if (!journal) return data && parseStateBytes(file, data);
  const meaning = journalMeaning(journal, file, data);
  const state = parseStateBytes(file, data!);
  if (meaning === 'replay') for (const e of journal.events) applyEvent(state, e);
  return state;
}

/**
 * Under the lock, before planning: folds a journal a killed run left into the state file (one durable
 * rewrite, marked in the journal first so a kill during the fold is never replayed twice), then removes it.
 */
export async function recoverState(file: string): Promise<{ state: State | undefined; base: StateBase | null }> {
  const journalFile = journalPathFor(file);
  const [data, journal] = await Promise.all([readStateBytes(file), readJournal(journalFile)]);
  if (!journal) {
    // None, or one with no whole line: a run killed while creating it, which acknowledged nothing.
    await removeJournal(journalFile);
    return { state: data && parseStateBytes(file, data), base: data ? baseOf(data) : null };
  }
  const meaning = journalMeaning(journal, file, data);
  const state = parseStateBytes(file, data!);
  if (meaning === 'folded') {
    await removeJournal(journalFile);
    return { state, base: baseOf(data!) };
  }
  for (const e of journal.events) applyEvent(state, e);
  const text = serializeState(state);
  try {
    const writer = await JournalWriter.reopen(journalFile, journal.eventsEnd);
    await writer.append(foldMark(text));
  } catch (err) {
    throw fileError('write', "state file's journal", journalFile, err);
  }
  await writeStateText(file, text);
  await removeJournal(journalFile);
  return { state, base: baseOf(text) };
}

/** After `state rebuild` wrote a new state file: the journal's events belong to the state it replaced. */
export async function discardJournal(file: string): Promise<void> {
  await removeJournal(journalPathFor(file));
}

async function removeJournal(journalFile: string): Promise<void> {
  try {
    await unlink(journalFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fileError('write', "state file's journal", journalFile, err);
  }
  await syncFolder(path.dirname(journalFile));
}

export async function writeStateFile(file: string, state: State, fs?: WriteFs): Promise<void> {
  await writeStateText(file, serializeState(state), fs);
}

async function writeStateText(file: string, text: string, fs?: WriteFs): Promise<void> {
  try {
    await writeFileDurably(file, text, fs);
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

export interface StoreOptions {
  /** State files from this size on take events in the journal; smaller ones are rewritten whole. */
  journalFrom?: number;
  /** The state file on disk as the caller read it (null: there is none), to spare reading it again. */
  base?: StateBase | null;
}

/**
 * The state of one apply. `commit` applies an event in memory and resolves once it is on disk (in the
 * state file, or in its journal for a big state). Writes never overlap; events that arrive during a
 * write share the next one. After a failed write every commit fails and `stopped` aborts: nothing more
 * may be changed in Open.cx that cannot be recorded. `throwIfFailed` then says what Open.cx holds that
 * the disk does not. `close` folds the journal into the state file.
 */
export class StateStore {
  private writing: Promise<void> | undefined;
  /** Number of events applied in memory, and how many of them are known to be on disk. */
  private applied = 0;
  private durable = 0;
  /** The state as on disk, and the events applied since (in memory only), oldest first. */
  private saved: State;
  private unsaved: StateEvent[] = [];
  private failure: UserError | undefined;
  private readonly stop = new AbortController();
  readonly stopped: AbortSignal = this.stop.signal;
  /** The current state, changed in place by each commit. */
  readonly state: State;
  private base: StateBase | null | undefined;
  private journal: JournalWriter | undefined;
  private readonly journalFrom: number;

  constructor(
    private readonly file: string,
    state: State,
    private readonly fs?: WriteFs,
    opts: StoreOptions = {},
  ) {
    // Own copies: events apply in place (O(1)), and `saved` must not see the unsaved ones.
    this.state = copyState(state);
    this.saved = copyState(state);
    this.base = opts.base;
    this.journalFrom = opts.journalFrom ?? JOURNAL_FROM_BYTES;
  }

  commit(event: StateEvent): Promise<void> {
    applyEvent(this.state, event);
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
      this.writing = this.writeOnce()
        .catch((err: unknown) => {
          this.failure ??= err instanceof UserError ? err : new UserError(String(err));
          this.stop.abort(this.failure);
          throw this.failure;
        })
        .finally(() => (this.writing = undefined));
      await this.writing;
    }
  }

  /** Writes every unsaved event: one journal append, or one whole rewrite of a small state file. */
  private async writeOnce(): Promise<void> {
    if (this.base === undefined) {
      const data = await readStateBytes(this.file);
      this.base = data ? baseOf(data) : null;
    }
    const target = this.applied;
    const events = this.unsaved.slice();
    if (this.journal || (this.base && this.base.bytes >= this.journalFrom)) {
      const lines = events.map((e) => JSON.stringify(e) + '\n').join('');
      const journalFile = journalPathFor(this.file);
      try {
        if (this.journal) await this.journal.append(lines);
        else this.journal = await JournalWriter.create(journalFile, this.base!.hash, lines, this.fs);
      } catch (err) {
        throw fileError('write', "state file's journal", journalFile, err);
      }
    } else {
      // Serialized now, before any await: later commits change `state` in place.
      const text = serializeState(this.state);
      await writeStateText(this.file, text, this.fs);
      this.base = baseOf(text);
    }
    this.durable = target;
    for (const e of events) applyEvent(this.saved, e);
    this.unsaved.splice(0, events.length);
  }

  /**
   * Ends the run: folds the journal into the state file (one durable rewrite: the compact, deterministic
   * file), marking the fold in the journal first. After a failed write the journal is left as it is, for
   * the next run to fold.
   */
  async close(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    const journal = this.journal;
    if (!journal) return;
    if (this.failure) return;
    const text = serializeState(this.saved);
    try {
      await journal.append(foldMark(text));
    } catch (err) {
      throw fileError('write', "state file's journal", journal.file, err);
    }
    this.journal = undefined;
    try {
      await writeStateText(this.file, text, this.fs);
    } catch (err) {
      throw new UserError(`${(err as Error).message}. Every change is kept in the journal ${journal.file}: the next run folds it into the state file`);
    }
    this.base = baseOf(text);
    await removeJournal(journal.file);
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
    const kept = this.journal
      ? `the state file's journal ${this.journal.file} keeps every change up to the last write that worked, and the next run folds it into the state file`
      : 'the state file on disk is whole and holds every change up to the last write that worked';
    const head = `${this.failure.message}. The apply stopped; ${kept}.`;
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
