// The write-ahead journal beside a big state file: each event is one fsynced line, folded into the state
// file at the end of the run and on the next start; a torn last line is ignored, any other damage is an error.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, nextState, serializeState, type State, type StateEvent } from '../src/core/state.js';
import type { TrainingFields } from '../src/core/training.js';
import { resolveConfig } from '../src/config.js';
import { runApply, runStateRebuild } from '../src/engine.js';
import { UserError } from '../src/errors.js';
import type { WriteFs } from '../src/io/durable-write.js';
import { journalPathFor } from '../src/io/journal.js';
import { JOURNAL_FROM_BYTES, readCurrentState, readStateFile, recoverState, StateStore } from '../src/io/state-file.js';
import { CLI, KEY, trainingFile, workspace, type Workspace } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempWorkspace(): Workspace {
  const ws = workspace();
  cleanups.push(() => ws.cleanup());
  return ws;
}

const fields = (title: string, content = 'x'.repeat(100)): TrainingFields => ({
  title, content, type: 'BEHAVIORAL', draft: false, directory: null, channels: [], segments: [],
});

function bigState(n: number): State {
  const state = emptyState('lineage-1');
  for (let i = 0; i < n; i++) state.trainings.set(`k${i}`, { id: `id-${i}`, path: `k${i}.md`, hash: `h${i}`, applied: fields(`T${i}`) });
  return state;
}

const events: StateEvent[] = [
  { type: 'begin' },
  { type: 'intent', key: 'new', path: 'new.md', hash: 'hn' },
  { type: 'written', key: 'new', id: 'id-new', path: 'new.md', hash: 'hn', fields: fields('New') },
  { type: 'written', key: 'k1', id: 'id-1', path: 'k1.md', hash: 'h1b', fields: fields('T1 again') },
  { type: 'deleted', key: 'k2' },
];

const replay = (state: State, es: StateEvent[]) => es.reduce(nextState, state);

/** A state file big enough to journal, and the store on it. */
async function bigStateFile(n = 200) {
  const ws = tempWorkspace();
  const file = path.join(ws.dir, 'opencx-sync.state.json');
  const base = bigState(n);
  writeFileSync(file, serializeState(base));
  expect(readFileSync(file).length).toBeGreaterThanOrEqual(JOURNAL_FROM_BYTES);
  return { ws, file, base, journal: journalPathFor(file) };
}

describe('the journal of a big state', () => {
  it('takes each commit as one line while the state file stays as it was; close folds it into the deterministic file', async () => {
    const { file, base, journal } = await bigStateFile();
    const before = readFileSync(file, 'utf8');
    const store = new StateStore(file, base);
    for (const e of events) await store.commit(e);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const lines = readFileSync(journal, 'utf8').split('\n');
    expect(lines).toHaveLength(1 + events.length + 1);
    expect(lines.slice(1, -1).map((l) => JSON.parse(l))).toEqual(events);
    await store.close();
    expect(existsSync(journal)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(serializeState(replay(base, events)));
    expect(path.basename(journal)).toBe('.opencx-sync.state.json.journal');
  });

  it('events that arrive during an fsync share the next one', async () => {
    const { file, base } = await bigStateFile();
    let syncs = 0;
    const counting: WriteFs = {
      rename: (a, b) => fsp.rename(a, b),
      unlink: (f) => fsp.unlink(f),
      open: async (f, flags, mode) => {
        const fh = await fsp.open(f, flags, mode);
        return { write: (b, o, l, p) => fh.write(b, o, l, p), stat: () => fh.stat(), close: () => fh.close(), sync: () => (syncs++, fh.sync()) };
      },
    };
    const store = new StateStore(file, base, counting);
    await store.commit({ type: 'begin' });
    const before = syncs;
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.commit({ type: 'intent', key: `n${i}`, path: `n${i}.md`, hash: 'h' })));
    expect(syncs - before).toBeGreaterThan(0);
    expect(syncs - before).toBeLessThanOrEqual(2);
    await store.close();
    expect((await readStateFile(file))?.pending.size).toBe(40);
  });

  it('a state that grows past the threshold during a run moves to the journal, and the fold holds everything', async () => {
    const ws = tempWorkspace();
    const file = path.join(ws.dir, 'state.json');
    const store = new StateStore(file, emptyState('lineage-2'));
    const es: StateEvent[] = [{ type: 'begin' }];
    for (let i = 0; i < 120; i++) es.push({ type: 'written', key: `g${i}`, id: `id-g${i}`, path: `g${i}.md`, hash: `h${i}`, fields: fields(`G${i}`, 'y'.repeat(300)) });
    for (const e of es) await store.commit(e);
    // The state file exists from the first commit; the journal took over once the file was big.
    expect(existsSync(file)).toBe(true);
    expect(existsSync(journalPathFor(file))).toBe(true);
    expect((await readStateFile(file))!.trainings.size).toBeLessThan(120);
    expect((await readCurrentState(file))!.trainings.size).toBe(120);
    await store.close();
    expect(existsSync(journalPathFor(file))).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(serializeState(replay(emptyState('lineage-2'), es)));
  });
});

describe('a journal left by a killed run', () => {
  /** A run that committed `es` and then died (nothing in the process survives; only the files do). */
  async function killedRun(es: StateEvent[]) {
    const f = await bigStateFile();
    const store = new StateStore(f.file, f.base);
    for (const e of es) await store.commit(e);
    return f;
  }

  it('plan reads it (state file plus replayed journal) and writes nothing', async () => {
    const { file, base, journal } = await killedRun(events);
    const stateText = readFileSync(file, 'utf8');
    const journalText = readFileSync(journal, 'utf8');
    const seen = await readCurrentState(file);
    expect(serializeState(seen!)).toBe(serializeState(replay(base, events)));
    expect(readFileSync(file, 'utf8')).toBe(stateText);
    expect(readFileSync(journal, 'utf8')).toBe(journalText);
  });

  it('is folded into the state file on the next start, once', async () => {
    const { file, base, journal } = await killedRun(events);
    const { state } = await recoverState(file);
    const expected = serializeState(replay(base, events));
    expect(serializeState(state!)).toBe(expected);
    expect(readFileSync(file, 'utf8')).toBe(expected);
    expect(existsSync(journal)).toBe(false);
    // Folding again finds nothing to do: the serial is bumped once.
    expect((await recoverState(file)).state?.serial).toBe(base.serial + 1);
  });

  it('a torn last line (killed mid-append, never acknowledged) is ignored', async () => {
    const { file, base, journal } = await killedRun(events);
    const torn = JSON.stringify({ type: 'deleted', key: 'k3' });
    await fsp.appendFile(journal, torn.slice(0, 20));
    expect(serializeState((await readCurrentState(file))!)).toBe(serializeState(replay(base, events)));
    await recoverState(file);
    expect(readFileSync(file, 'utf8')).toBe(serializeState(replay(base, events)));
    expect(existsSync(journal)).toBe(false);
  });

  it('a damaged line before the last is an error naming the journal and the line', async () => {
    const { file, journal } = await killedRun(events);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[2] = '{"type":"intent","key":';
    writeFileSync(journal, lines.join('\n'));
    const before = readFileSync(file, 'utf8');
    for (const read of [readCurrentState, recoverState]) {
      const err = await read(file).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/journal .*\.opencx-sync\.state\.json\.journal line 3 is damaged/);
      expect((err as Error).message).toContain('state rebuild');
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(journal)).toBe(true);
  });

  it('an event of an unknown shape is an error too', async () => {
    const { file, journal } = await killedRun(events);
    await fsp.appendFile(journal, '{"type":"renamed","key":"k1"}\n');
    await expect(readCurrentState(file)).rejects.toThrow(/line 7 is damaged/);
  });

  it('is refused when the state file was replaced after it (restored from git, edited)', async () => {
    const { file } = await killedRun(events);
    writeFileSync(file, serializeState(bigState(199)));
    await expect(readCurrentState(file)).rejects.toThrow(/does not belong to the state file .*state rebuild/);
    await expect(recoverState(file)).rejects.toThrow(/does not belong to the state file/);
  });

  it('a fold killed after the state file was written is not replayed twice; one killed before it is', async () => {
    const { file, base, journal } = await killedRun(events);
    const journalText = readFileSync(journal, 'utf8');
    const baseText = readFileSync(file, 'utf8');
    await recoverState(file);
    const folded = readFileSync(file, 'utf8');
    // Killed between the state write and the journal's removal: the journal ends with the fold's mark.
    const marked = journalText + JSON.stringify({ folded: sha256(folded) }) + '\n';
    writeFileSync(journal, marked);
    expect(serializeState((await readCurrentState(file))!)).toBe(folded);
    await recoverState(file);
    expect(readFileSync(file, 'utf8')).toBe(folded);
    expect(existsSync(journal)).toBe(false);
    // Killed before the state write: the state file is still the base, so the events are replayed.
    writeFileSync(file, baseText);
    writeFileSync(journal, marked);
    expect((await recoverState(file)).state?.serial).toBe(base.serial + 1);
    expect(readFileSync(file, 'utf8')).toBe(folded);
  });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('a journal append that fails', () => {
  it('stops the store like a failed state write, keeps what was acknowledged, and the next start folds it', async () => {
    const { file, base, journal } = await bigStateFile();
    let budget = 300;
    const failing: WriteFs = {
      rename: (a, b) => fsp.rename(a, b),
      unlink: (f) => fsp.unlink(f),
      open: async (f, flags, mode) => {
        const fh = await fsp.open(f, flags, mode);
        return {
          sync: () => fh.sync(), stat: () => fh.stat(), close: () => fh.close(),
          write: async (b, o, l, p) => {
            if (budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            const n = Math.min(l, budget);
            budget -= n;
            return fh.write(b, o, n, p);
          },
        };
      },
    };
    const store = new StateStore(file, base, failing);
    await store.commit({ type: 'begin' });
    await store.commit({ type: 'deleted', key: 'k5' });
    const big = { type: 'written', key: 'k1', id: 'id-1', path: 'k1.md', hash: 'n', fields: fields('New', 'z'.repeat(2000)) } as const;
    await expect(store.commit(big)).rejects.toThrow(/could not write the state file's journal .*\(ENOSPC\): free some disk space/);
    expect(store.stopped.aborted).toBe(true);
    await expect(store.commit({ type: 'deleted', key: 'k2' })).rejects.toThrow(/ENOSPC/);
    await store.close();
    expect(() => store.throwIfFailed()).toThrow(/journal .* keeps every change up to the last write that worked.*not recorded in it: updated k1 \(id-1\), deleted k2 \(id-2\)/s);
    // The cut-off line is a torn tail: the next start folds the two acknowledged events and nothing else.
    expect(existsSync(journal)).toBe(true);
    await recoverState(file);
    expect(readFileSync(file, 'utf8')).toBe(serializeState(replay(base, [{ type: 'begin' }, { type: 'deleted', key: 'k5' }])));
  });
});

describe('a fold that cannot write the state file', () => {
  it('fails naming the state file, keeps the journal (marked), and the next start replays it', async () => {
    const { file, base, journal } = await bigStateFile();
    const noRename: WriteFs = {
      rename: () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, rename'), { code: 'ENOSPC' })),
      unlink: (f) => fsp.unlink(f),
      open: (f, flags, mode) => fsp.open(f, flags, mode),
    };
    const before = readFileSync(file, 'utf8');
    const store = new StateStore(file, base, noRename);
    for (const e of events) await store.commit(e);
    await expect(store.close()).rejects.toThrow(/could not write the state file .*\(ENOSPC\).*Every change is kept in the journal .*\.journal: the next run folds it/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readFileSync(journal, 'utf8')).toMatch(/\{"folded":"[0-9a-f]{64}"\}\n$/);
    await recoverState(file);
    expect(readFileSync(file, 'utf8')).toBe(serializeState(replay(base, events)));
    expect(existsSync(journal)).toBe(false);
  });
});

describe('the engine with a journal', () => {
  let env: InProcess | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  const bigFiles = (n: number, version = 1) => {
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) files[`trainings/t${String(i).padStart(2, '0')}.md`] = trainingFile(`Question ${i}?`, `Answer ${i} v${version}. ${'Lorem ipsum. '.repeat(40)}`);
    return files;
  };

  it('apply folds at the end (no journal left), and the state file differs from the last only where trainings changed', async () => {
    env = await inProcess(bigFiles(40));
    await env.apply();
    const statePath = path.join(env.ws.dir, 'opencx-sync.state.json');
    const first = readFileSync(statePath, 'utf8');
    expect(first.length).toBeGreaterThan(JOURNAL_FROM_BYTES);
    expect(existsSync(journalPathFor(statePath))).toBe(false);
    env.ws.write('trainings/t07.md', trainingFile('Question 7?', 'Answer 7, changed.'));
    const r = await env.apply();
    expect(r.outcomes.map((o) => o.status)).toEqual(['updated']);
    expect(existsSync(journalPathFor(statePath))).toBe(false);
    const second = readFileSync(statePath, 'utf8');
    const a = first.split('\n');
    const b = second.split('\n');
    expect(b).toHaveLength(a.length);
    const changed = a.map((line, i) => (line === b[i] ? '' : line.trim().split(':')[0])).filter(Boolean);
    expect(changed.sort()).toEqual(['"content"', '"hash"', '"serial"'].sort());
  });

  it('a state folder moved away mid-run stops the apply at the next event, as a failed state write does', async () => {
    env = await inProcess(bigFiles(30));
    await env.apply();
    const e = env;
    const config = resolveConfig({
      cwd: e.ws.dir,
      env: { OPENCX_API_URL: e.sandbox.url, OPENCX_API_KEY: KEY },
      flags: { state: 'st/opencx-sync.state.json', concurrency: 1, retries: 0, rateLimit: 0 },
    });
    mkdirSync(path.join(e.ws.dir, 'st'));
    renameSync(path.join(e.ws.dir, 'opencx-sync.state.json'), path.join(e.ws.dir, 'st/opencx-sync.state.json'));
    for (const k of ['00', '01', '02']) e.ws.write(`trainings/t${k}.md`, trainingFile(`Question ${Number(k)}?`, `New answer ${k}.`));
    let moved = false;
    const err = await runApply(config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true }, {
      onOutcome: () => {
        if (moved) return;
        moved = true;
        renameSync(path.join(e.ws.dir, 'st'), path.join(e.ws.dir, 'st-away'));
        writeFileSync(path.join(e.ws.dir, 'st'), 'not a folder');
      },
    }).then(() => undefined, (x: unknown) => x);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("could not write the state file's journal");
    expect((err as Error).message).toContain('Nothing was changed in Open.cx after it');
    const contents = new Map(e.records().map((t) => [t.metadata.key as string, t.content]));
    expect(contents.get('t00')).toBe('New answer 00.');
    expect(contents.get('t01')).not.toBe('New answer 01.');
    // What was recorded is in the moved folder: its state file plus journal.
    const kept = (await readCurrentState(path.join(e.ws.dir, 'st-away/opencx-sync.state.json')))!;
    expect(kept.trainings.get('t00')?.applied.content).toBe('New answer 00.');
  });

  it('state rebuild replaces the state and discards a leftover journal', async () => {
    env = await inProcess(bigFiles(40));
    await env.apply();
    const statePath = path.join(env.ws.dir, 'opencx-sync.state.json');
    const state = (await readStateFile(statePath))!;
    // A run that died after recording a delete that Open.cx never saw.
    const store = new StateStore(statePath, state);
    await store.commit({ type: 'begin' });
    await store.commit({ type: 'deleted', key: 't03' });
    expect(existsSync(journalPathFor(statePath))).toBe(true);
    const rebuilt = await runStateRebuild(env.config, { force: true });
    expect(rebuilt.state.trainings.has('t03')).toBe(true);
    expect(existsSync(journalPathFor(statePath))).toBe(false);
    expect((await readCurrentState(statePath))!.trainings.has('t03')).toBe(true);
  });

  it('a full disk while journalling (a file size limit): apply exits 1, the state file and journal stay true, the next apply converges', async () => {
    env = await inProcess(bigFiles(60));
    const e = env;
    const statePath = path.join(e.ws.dir, 'opencx-sync.state.json');
    // `ulimit -f 64`: no file may grow past 64 KiB; the journal reaches it mid-run and the next append fails.
    const full = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('sh', ['-c', 'ulimit -f 64 && exec "$0" "$@"', process.execPath, CLI, 'apply', '--yes', '--concurrency', '1', '--rate-limit', '0'], {
        cwd: e.ws.dir, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH, NO_COLOR: '1', OPENCX_API_URL: e.sandbox.url, OPENCX_API_KEY: KEY },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toContain("could not write the state file's journal");
    expect(full.stderr).toContain('the next run folds it into the state file');
    expect(existsSync(journalPathFor(statePath))).toBe(true);
    const made = e.records();
    expect(made.length).toBeGreaterThan(10);
    expect(made.length).toBeLessThan(60);
    // Whatever the state file plus journal say is true, and every training made is known to them.
    const seen = (await readCurrentState(statePath))!;
    const ids = new Map(made.map((t) => [t.metadata.key as string, t.id]));
    for (const [k, entry] of seen.trainings) expect(ids.get(k)).toBe(entry.id);
    for (const k of ids.keys()) expect(seen.trainings.has(k) || seen.pending.has(k)).toBe(true);

    const again = await e.apply();
    expect(again.outcomes.every((o) => o.status !== 'failed')).toBe(true);
    expect(existsSync(journalPathFor(statePath))).toBe(false);
    expect(e.records()).toHaveLength(60);
    expect(new Set(e.records().map((r) => r.metadata.key)).size).toBe(60);
    const final = (await readStateFile(statePath))!;
    expect(final.pending.size).toBe(0);
    expect(final.trainings.size).toBe(60);
  });

  it('SIGKILL mid-apply leaves a journal: plan sees it, the next apply folds it and converges', async () => {
    const running: { child?: ChildProcess } = {};
    env = await inProcess(bigFiles(60), {
      latencyMs: 2,
      onRequest: (_, count) => count === 45 && running.child?.kill('SIGKILL'),
    });
    const e = env;
    const statePath = path.join(e.ws.dir, 'opencx-sync.state.json');
    const child = (running.child = spawn(process.execPath, [CLI, 'apply', '--yes', '--rate-limit', '0', '--concurrency', '2'], {
      cwd: e.ws.dir, env: { PATH: process.env.PATH, OPENCX_API_URL: e.sandbox.url, OPENCX_API_KEY: KEY }, stdio: 'ignore',
    }));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    expect(existsSync(journalPathFor(statePath))).toBe(true);
    const inFile = (await readStateFile(statePath))!.trainings.size;
    const seen = (await readCurrentState(statePath))!;
    // Every training Open.cx holds is known to the state file plus its journal (as tracked or pending).
    const made = e.records().map((r) => r.metadata.key as string);
    for (const k of made) expect(seen.trainings.has(k) || seen.pending.has(k)).toBe(true);
    expect(seen.trainings.size).toBeGreaterThan(inFile);
    const { plan } = await e.plan({ refresh: false });
    expect(plan!.summary.create).toBe(60 - seen.trainings.size);

    const again = await e.apply();
    expect(again.outcomes.every((o) => o.status !== 'failed')).toBe(true);
    expect(existsSync(journalPathFor(statePath))).toBe(false);
    const final = (await readStateFile(statePath))!;
    expect(final.pending.size).toBe(0);
    expect(new Set(e.records().map((r) => r.metadata.key)).size).toBe(60);
    expect(e.records()).toHaveLength(60);
    expect(final.trainings.size).toBe(60);
  });
});
