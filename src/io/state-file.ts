// Reads the state file and keeps it durable: every change is written atomically (temp file, fsync, rename)
// before the caller goes on, so an interrupted apply keeps every success made before it.
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { nextState, parseState, serializeState, type State, type StateEvent } from '../core/state.js';
import { UserError } from '../errors.js';

export async function readStateFile(file: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const r = parseState(text);
  if ('error' in r) throw new UserError(`state file ${file} ${r.error}`);
  return r.state;
}

export async function writeStateFile(file: string, state: State): Promise<void> {
  try {
    await writeFileAtomic(file, serializeState(state), { fsync: true });
  } catch (err) {
    throw new UserError(`could not write the state file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check that its folder exists and is writable`);
  }
}

/**
 * The state of one apply. `commit` applies an event in memory and resolves once a write that contains
 * it is on disk. Writes never overlap; events that arrive during a write share the next one.
 */
export class StateStore {
  private writing: Promise<void> | undefined;
  /** Number of events applied in memory, and how many of them are known to be on disk. */
  private applied = 0;
  private durable = 0;

  constructor(
    private readonly file: string,
    public state: State,
  ) {}

  commit(event: StateEvent): Promise<void> {
    this.state = nextState(this.state, event);
    return this.flushUpTo(++this.applied);
  }

  private async flushUpTo(version: number): Promise<void> {
    while (this.durable < version) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      const target = this.applied;
      this.writing = writeStateFile(this.file, this.state)
        .then(() => {
          this.durable = target;
        })
        .finally(() => (this.writing = undefined));
      await this.writing;
    }
  }
}
