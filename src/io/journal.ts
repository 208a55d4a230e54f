// The write-ahead journal beside a big state file: one JSON line per state event, fsynced before the
// event is acknowledged, so a commit costs one small append instead of rewriting every tracked training.
//
// Lines: a header `{"journal":1,"base":"<sha256 of the state file text the events apply to>"}`, then one
// event per line, then, once a fold is under way, `{"folded":"<sha256 of the state file text it writes>"}`.
// The hashes tell, after a kill, whether the state file is still the base (replay the events) or already
// the fold's result (drop the journal); anything else means the state file was replaced and is refused.
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { parseStateEvent, type StateEvent } from '../core/state.js';
import { UserError } from '../errors.js';
import { nodeFs, syncFolder, writeAll, type WriteFs } from './durable-write.js';
import { fileError } from './file-error.js';

const JOURNAL_VERSION = 1;

/** Hidden and beside the state file: `.<state>.journal`. */
export function journalPathFor(stateFile: string): string {
  return path.join(path.dirname(stateFile), `.${path.basename(stateFile)}.journal`);
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export interface Journal {
  file: string;
  base: string;
  events: StateEvent[];
  /** The hash of the state file a fold wrote, when the run was killed during the fold. */
  folded?: string;
  /** Bytes up to the end of the last event line: what a new fold keeps before writing its own mark. */
  eventsEnd: number;
}

const REMEDY = 'restore the state file and its journal from a backup, or run "opencx-sync state rebuild --force" (it records what Open.cx holds and discards the journal)';

/**
 * Reads the journal, or undefined when there is none (or it holds no whole line: a run killed while
 * creating it acknowledged nothing). A torn last line was never acknowledged and is ignored.
 */
export async function readJournal(file: string): Promise<Journal | undefined> {
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError('read', "state file's journal", file, err);
  }
  return parseJournal(data, file);
}

export function parseJournal(data: Buffer, file: string): Journal | undefined {
  const whole = data.lastIndexOf(0x0a) + 1;
  if (whole === 0) return undefined;
  const lines = data.subarray(0, whole - 1).toString('utf8').split('\n');
  const damaged = (n: number, why: string) => new UserError(`journal ${file} line ${n} is damaged (${why}): it is not a torn last write; ${REMEDY}`);
  const json = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch (err) {
      throw damaged(n, `not valid JSON: ${(err as Error).message}`);
    }
  };
  const head = json(lines[0] ?? '', 1) as { journal?: unknown; base?: unknown } | null;
  if (typeof head?.journal === 'number' && head.journal !== JOURNAL_VERSION) {
    throw new UserError(`journal ${file} has version ${head.journal}, but this opencx-sync reads version ${JOURNAL_VERSION}: upgrade opencx-sync`);
  }
  if (head?.journal !== JOURNAL_VERSION || typeof head.base !== 'string' || Object.keys(head).length !== 2) throw damaged(1, 'not a journal header');
  const journal: Journal = { file, base: head.base, events: [], eventsEnd: Buffer.byteLength(lines[0] ?? '') + 1 };
  let offset = journal.eventsEnd;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const v = json(line, i + 1) as { folded?: unknown } | null;
    if (v && typeof v === 'object' && 'folded' in v) {
      if (typeof v.folded !== 'string' || Object.keys(v).length !== 1 || i !== lines.length - 1) throw damaged(i + 1, 'a misplaced fold mark');
      journal.folded = v.folded;
    } else {
      const r = parseStateEvent(v);
      if ('error' in r) throw damaged(i + 1, r.error);
      journal.events.push(r.event);
      journal.eventsEnd = offset + Buffer.byteLength(line) + 1;
    }
    offset += Buffer.byteLength(line) + 1;
  }
  return journal;
}

/**
 * What a leftover journal means for the state file text on disk: `replay` its events onto it, or
 * `folded` (a fold wrote the state file and was killed before removing the journal: drop it).
 */
export function journalMeaning(journal: Journal, stateFile: string, stateText: Uint8Array | undefined): 'replay' | 'folded' {
  const hash = stateText ? sha256(stateText) : undefined;
  if (hash !== undefined && journal.folded === hash) return 'folded';
  if (hash !== undefined && journal.base === hash) return 'replay';
  const why = stateText ? 'the state file was replaced or edited after the run that wrote the journal stopped' : 'the state file is missing';
  throw new UserError(`journal ${journal.file} does not belong to the state file ${stateFile} (${why}), so its changes cannot be applied: ${REMEDY}`);
}

/**
 * Appends whole lines and fsyncs them; a line counts only once its fsync is done. The journal is opened
 * for each append and never created there, so a state folder moved or removed during the run stops the
 * run at its next event, as a failed state file write does, instead of writing where no one will look.
 */
export class JournalWriter {
  private constructor(
    readonly file: string,
    private size: number,
    private readonly fs: WriteFs,
  ) {}

  /** Creates the journal (it must not exist) with its header and the first lines, durably. */
  static async create(file: string, base: string, lines: string, fs: WriteFs = nodeFs): Promise<JournalWriter> {
    const writer = new JournalWriter(file, 0, fs);
    await writer.write('wx', JSON.stringify({ journal: JOURNAL_VERSION, base }) + '\n' + lines);
    // The journal's name must be on disk before any line in it is acknowledged.
    await syncFolder(path.dirname(file));
    return writer;
  }

  /** A journal read back, to append a fold mark after `keep` bytes (dropping a torn tail or an older mark). */
  static async reopen(file: string, keep: number): Promise<JournalWriter> {
    await fsp.truncate(file, keep);
    return new JournalWriter(file, keep, nodeFs);
  }

  append(lines: string): Promise<void> {
    return this.write('r+', lines);
  }

  private async write(flags: string, lines: string): Promise<void> {
    const data = Buffer.from(lines, 'utf8');
    const fh = await this.fs.open(this.file, flags, 0o666);
    try {
      await writeAll(fh, data, this.size, this.file);
      await fh.sync();
    } finally {
      await fh.close().catch(() => undefined);
    }
    this.size += data.length;
  }
}

export const foldMark = (stateText: string) => JSON.stringify({ folded: sha256(stateText) }) + '\n';
