// The state file survives a full disk: every byte is written or the write fails, a failed write stops the
// apply with a message saying what Open.cx holds that the state does not, and the old state stays whole.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { runApply, type ApplyOptions } from '../src/engine.js';
import { emptyState, serializeState, type State } from '../src/core/state.js';
import { UserError } from '../src/errors.js';
import { tempNameFor, writeFileDurably, type WriteFs } from '../src/io/durable-write.js';
import { readStateFile, StateStore, writeStateFile } from '../src/io/state-file.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { CLI, collect, KEY, runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(files: Record<string, string>) {
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  const ws = workspace(files);
  cleanups.push(() => sandbox.close(), () => ws.cleanup());
  return { sandbox, ws };
}

const applyOpts: ApplyOptions = { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 1000, refresh: true };

function managed(sandbox: Sandbox) {
  return [...sandbox.state.trainings.values()].filter((t) => t.metadata.managed_by === 'opencx-sync');
}

/** The real file system, with each write cut to at most `chunk` bytes and failing after `budget` bytes. */
function shortWrites(opts: { chunk: number; budget?: number; zero?: boolean }): WriteFs {
  let left = opts.budget ?? Infinity;
  return {
    rename: (a, b) => fsp.rename(a, b),
    unlink: (f) => fsp.unlink(f),
    open: async (file, flags, mode) => {
      const fh = await fsp.open(file, flags, mode);
      return {
        sync: () => fh.sync(),
        stat: () => fh.stat(),
        close: () => fh.close(),
        write: async (buf, offset, length, position) => {
          if (opts.zero) return { bytesWritten: 0 };
          if (left <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          const n = Math.min(length, opts.chunk, left);
          left -= n;
          return fh.write(buf, offset, n, position);
        },
      };
    },
  };
}

function bigState(n: number): State {
  const state = emptyState('lineage-1');
  for (let i = 0; i < n; i++) {
    state.trainings.set(`k${i}`, {
      id: `id-${i}`,
      path: `k${i}.md`,
      hash: `h${i}`,
      applied: { title: `T${i}`, content: 'x'.repeat(100), type: 'BEHAVIORAL', draft: false, directory: null, channels: [], segments: [] },
    });
  }
  return state;
}

describe('writeFileDurably', () => {
  it('writes every byte when the file system takes a few bytes per write', async () => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    const file = path.join(ws.dir, 'state.json');
    const text = serializeState(bigState(20));
    await writeFileDurably(file, text, shortWrites({ chunk: 7 }));
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readdirSync(ws.dir).sort()).toEqual(['state.json', 'trainings']);
  });

  it.each([
    ['ENOSPC after some bytes', { chunk: 100, budget: 1000 }],
    ['a write that makes no progress', { chunk: 100, zero: true }],
  ])('on %s: fails, keeps the old file whole and leaves no temp file', async (_name, opts) => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    const file = path.join(ws.dir, 'state.json');
    const old = serializeState(bigState(1));
    writeFileSync(file, old);
    const err = await writeStateFile(file, bigState(20), shortWrites(opts)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/could not write the state file .*state\.json \(ENOSPC\): free some disk space/);
    expect(readFileSync(file, 'utf8')).toBe(old);
    expect(readdirSync(ws.dir).sort()).toEqual(['state.json', 'trainings']);
  });

  it('a StateStore whose write failed refuses every later commit and aborts its signal', async () => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    const file = path.join(ws.dir, 'state.json');
    const store = new StateStore(file, bigState(3), shortWrites({ chunk: 4096, budget: 4096 }));
    await store.commit({ type: 'begin' });
    const fields = { title: 'New', content: 'y'.repeat(5000), type: 'BEHAVIORAL' as const, draft: false, directory: null, channels: [], segments: [] };
    await expect(store.commit({ type: 'written', key: 'k1', id: 'id-1', path: 'k1.md', hash: 'n', fields })).rejects.toThrow(/ENOSPC/);
    expect(store.stopped.aborted).toBe(true);
    await expect(store.commit({ type: 'deleted', key: 'k2' })).rejects.toThrow(/ENOSPC/);
    expect(() => store.throwIfFailed()).toThrow(/not recorded in it: updated k1 \(id-1\), deleted k2 \(id-2\)/);
    expect(JSON.parse(readFileSync(file, 'utf8')).trainings.k1.applied.title).toBe('T1');
  });
});

describe('a state write that fails', () => {
  it('stops the apply (runApply rejects) and names what Open.cx holds that the state file does not', async () => {
    const { sandbox, ws } = await setup({
      'trainings/a.md': trainingFile('A?'),
      'trainings/b.md': trainingFile('B?'),
      'trainings/c.md': trainingFile('C?'),
    });
    mkdirSync(path.join(ws.dir, 'st'));
    const config = resolveConfig({
      cwd: ws.dir,
      env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY },
      flags: { state: 'st/opencx-sync.state.json', concurrency: 1, retries: 0, rateLimit: 0 },
    });
    const first = await runApply(config, applyOpts);
    expect(first.outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    const before = ws.read('st/opencx-sync.state.json');

    for (const k of ['a', 'b', 'c']) ws.write(`trainings/${k}.md`, trainingFile(`${k.toUpperCase()}?`, `New answer ${k}.`));
    let broken = false;
    const run = runApply(config, applyOpts, {
      // After the first update is recorded, the state folder turns into a file: every later write fails.
      onOutcome: () => {
        if (broken) return;
        broken = true;
        renameSync(path.join(ws.dir, 'st'), path.join(ws.dir, 'st-away'));
        writeFileSync(path.join(ws.dir, 'st'), 'not a folder');
      },
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).toContain('could not write the state file');
    // b's update intent is the write that failed, so its PUT was never sent: Open.cx holds nothing unrecorded.
    expect(message).toContain('Nothing was changed in Open.cx after it');
    const contents = new Map(managed(sandbox).map((t) => [t.metadata.key as string, t.content]));
    expect(contents.get('a')).toBe('New answer a.');
    expect(contents.get('b')).not.toBe('New answer b.');
    expect(contents.get('c')).not.toBe('New answer c.');
    // The state file that was on disk stays whole (it recorded a's update, the last write that worked).
    const kept = JSON.parse(ws.read('st-away/opencx-sync.state.json'));
    expect(kept.trainings.a.applied.content).toBe('New answer a.');
    expect(kept.trainings.b.applied.content).toBe(JSON.parse(before).trainings.b.applied.content);
  });

  it('on a full disk (a file size limit: the OS makes short writes), apply exits 1, keeps a whole state, and state rebuild recovers', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`trainings/t${String(i).padStart(2, '0')}.md`] = trainingFile(`Question ${i}?`, `Answer ${i}.`);
    const { sandbox, ws } = await setup(files);
    const env = { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY };
    // `ulimit -f 8`: no file may grow past 8 KiB; node ignores SIGXFSZ, so a write past it is cut short
    // and the next one fails with EFBIG, just like a full disk.
    const full = await collect(
      spawn('sh', ['-c', 'ulimit -f 8 && exec "$0" "$@"', process.execPath, CLI, 'apply', '--yes', '--concurrency', '1', '--rate-limit', '0'], {
        cwd: ws.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      }),
    );
    expect(full.code, `${full.signal} ${full.stdout}${full.stderr}`).toBe(1);
    expect(full.stderr).toContain('could not write the state file');
    expect(full.stdout).not.toMatch(/60 created/);
    const made = managed(sandbox);
    expect(made.length).toBeGreaterThan(0);
    expect(made.length).toBeLessThan(60);
    // Whatever the state file says is whole and true.
    const kept = JSON.parse(ws.read('opencx-sync.state.json'));
    const ids = new Set(made.map((t) => t.id));
    for (const e of Object.values(kept.trainings) as { id: string }[]) expect(ids.has(e.id)).toBe(true);

    // state rebuild as the built CLI (its one run as a real process); the apply after it needs none.
    const rebuild = await runCli(['state', 'rebuild', '--force', '--rate-limit', '0'], { cwd: ws.dir, env });
    expect(rebuild.code, rebuild.stderr).toBe(0);
    const again = await runInProcess(['apply', '--yes', '--rate-limit', '0'], { cwd: ws.dir, env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expectConverged(sandbox, ws, 60);
  });
});

function expectConverged(sandbox: Sandbox, ws: Workspace, n: number) {
  const made = managed(sandbox);
  const keys = made.map((t) => t.metadata.key as string);
  expect(new Set(keys).size).toBe(keys.length);
  expect(made).toHaveLength(n);
  const state = JSON.parse(ws.read('opencx-sync.state.json'));
  expect(state.pending).toEqual({});
  expect(Object.fromEntries(Object.entries(state.trainings).map(([k, e]) => [k, (e as { id: string }).id]))).toEqual(
    Object.fromEntries(made.map((t) => [t.metadata.key, t.id])),
  );
}

describe('reading the state file', () => {
  it('accepts a UTF-8 BOM (an editor on Windows adds one)', async () => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    ws.write('opencx-sync.state.json', '\uFEFF' + serializeState(bigState(2)));
    const state = await readStateFile(path.join(ws.dir, 'opencx-sync.state.json'));
    expect(state?.trainings.get('k1')?.id).toBe('id-1');
  });

  it('a --state naming a folder is a user error naming it', async () => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    const err = await readStateFile(path.join(ws.dir, 'trainings')).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/state file .*trainings is a folder: point --state at a file/);
  });
});

describe('temp files left by a killed state write', () => {
  it('are removed by the next apply (only the tool\'s own, only when their writer is gone)', async () => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    ws.write('opencx-sync.state.json', serializeState(emptyState('lineage-1')));
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid!));
    });
    const old = new Date(Date.now() - 3_600_000);
    const stale = [`.opencx-sync.state.json.tmp-${dead}-0a1b2c3d`, `.opencx-sync.state.json.lock.tmp-${dead}-99ffee00`, 'opencx-sync.state.json.3127764081', '.opencx-sync.state.json.lock.tmp-claim-1234-5678'];
    // pid 1 is alive: its temp file may be a write in progress (on another checkout of the tool).
    const kept = [`.opencx-sync.state.json.tmp-1-0a1b2c3d`, 'opencx-sync.state.json.bak', 'opencx-sync.state.json.1', 'notes.tmp-1-ab'];
    for (const f of [...stale, ...kept]) ws.write(f, '{"half": ');
    for (const f of stale.slice(2)) utimesSync(path.join(ws.dir, f), old, old);
    expect(tempNameFor(path.join(ws.dir, 'opencx-sync.state.json'))).toMatch(/\/\.opencx-sync\.state\.json\.tmp-\d+-[0-9a-f]{8}$/);
    const config = resolveConfig({ cwd: ws.dir, env: {}, flags: {} });
    await runApply(config, { ...applyOpts, refresh: false });
    expect(readdirSync(ws.dir).sort()).toEqual(['opencx-sync.state.json', 'trainings', ...kept].sort());
  });
});

describe('a replaced state file', () => {
  it('keeps its permissions', async () => {
    const ws = workspace();
    cleanups.push(() => ws.cleanup());
    const file = path.join(ws.dir, 'state.json');
    writeFileSync(file, '{}', { mode: 0o600 });
    await writeFileDurably(file, serializeState(bigState(1)));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
