// One apply at a time: a stale lock is taken over by exactly one of many runs started at once, a lock is
// only released by its owner, an empty or damaged lock left by a kill goes stale, and Ctrl-C stops the wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { runApply } from '../src/engine.js';
import { acquireLock, InterruptedError } from '../src/io/lock.js';
import { ROOT, trainingFile, workspace } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempWorkspace() {
  const ws = workspace();
  cleanups.push(() => ws.cleanup());
  return { ws, stateFile: path.join(ws.dir, 'opencx-sync.state.json') };
}

/** A pid that was alive a moment ago and is now gone: its process has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const LOCK_MODULE = pathToFileURL(path.join(ROOT, 'build/src/io/lock.js')).href;
// Each child waits for "go" on stdin, tries once, says "won" or "lost", and a winner holds the lock
// until its stdin closes.
const CHILD = `
import { acquireLock } from ${JSON.stringify(LOCK_MODULE)};
import { createInterface } from 'node:readline';
const lines = createInterface({ input: process.stdin });
console.log('ready');
for await (const line of lines) {
  if (line !== 'go') continue;
  try {
    const lock = await acquireLock(process.argv[1], { waitMs: 0, command: 'racer' });
    console.log('won');
    for await (const _ of lines) {}
    await lock.release();
  } catch (err) {
    console.log('lost ' + err.message);
  }
  break;
}
process.exit(0);
`;

function racer(stateFile: string): { child: ChildProcess; ready: Promise<void>; verdict: Promise<string> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, stateFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  let onReady!: () => void;
  let onVerdict!: (v: string) => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const verdict = new Promise<string>((r) => (onVerdict = r));
  lines.on('line', (l) => (l === 'ready' ? onReady() : onVerdict(l)));
  child.on('exit', () => onVerdict('exited'));
  return { child, ready, verdict };
}

describe('lock', () => {
  it('a stale lock (dead holder) is taken over by exactly one of 8 runs started at once, in each of 5 rounds', async () => {
    const { stateFile } = tempWorkspace();
    const lockFile = `${stateFile}.lock`;
    for (let round = 0; round < 5; round++) {
      const pid = await deadPid();
      writeFileSync(lockFile, JSON.stringify({ pid, host: hostname(), command: 'killed', started: new Date().toISOString() }) + '\n');
      const racers = Array.from({ length: 8 }, () => racer(stateFile));
      await Promise.all(racers.map((r) => r.ready));
      for (const r of racers) r.child.stdin!.write('go\n');
      const verdicts = await Promise.all(racers.map((r) => r.verdict));
      const winners = verdicts.filter((v) => v === 'won');
      for (const r of racers) r.child.stdin!.end();
      await Promise.all(racers.map((r) => new Promise((res) => (r.child.exitCode === null ? r.child.on('exit', res) : res(null)))));
      expect(winners, `round ${round}: ${verdicts.join(' | ')}`).toHaveLength(1);
      expect(verdicts.filter((v) => v.startsWith('lost ')), verdicts.join(' | ')).toHaveLength(7);
      // The winner released its own lock on the way out.
      expect(existsSync(lockFile)).toBe(false);
    }
  });

  it('release() leaves alone a lock that is no longer its own', async () => {
    const { stateFile } = tempWorkspace();
    const lock = await acquireLock(stateFile, { waitMs: 0, command: 'first' });
    const other = JSON.stringify({ pid: process.pid, host: hostname(), command: 'second', started: new Date().toISOString(), token: 'someone-else' });
    writeFileSync(`${stateFile}.lock`, other);
    await lock.release();
    expect(readFileSync(`${stateFile}.lock`, 'utf8')).toBe(other);
  });

  it.each([
    ['empty', ''],
    ['unparseable', '{"pid": 12'],
  ])('an %s lock file older than a few seconds is stale; a fresh one is not', async (_name, text) => {
    const { stateFile } = tempWorkspace();
    const lockFile = `${stateFile}.lock`;
    writeFileSync(lockFile, text);
    await expect(acquireLock(stateFile, { waitMs: 0, command: 'apply' })).rejects.toThrow(/is locked by another run/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFile, old, old);
    const lock = await acquireLock(stateFile, { waitMs: 0, command: 'apply' });
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).command).toBe('apply');
    await lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('a first Ctrl-C (an aborted signal) stops the wait for a held lock at once', async () => {
    const { stateFile } = tempWorkspace();
    const held = await acquireLock(stateFile, { waitMs: 0, command: 'holder' });
    const stop = new AbortController();
    const waiting = acquireLock(stateFile, { waitMs: 30_000, command: 'waiter', signal: stop.signal });
    stop.abort();
    await expect(waiting).rejects.toThrow(InterruptedError);
    await expect(waiting).rejects.toThrow(/stopped while waiting for the lock .*nothing was changed/);
    await held.release();
  });

  it('runApply passes its signal to the lock wait', async () => {
    const { ws, stateFile } = tempWorkspace();
    ws.write('trainings/a.md', trainingFile('A?'));
    const held = await acquireLock(stateFile, { waitMs: 0, command: 'holder' });
    const config = resolveConfig({ cwd: ws.dir, env: { OPENCX_API_KEY: 'unused-key', OPENCX_API_URL: 'http://127.0.0.1:9' }, flags: {} });
    const stop = new AbortController();
    const run = runApply(config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 30_000, refresh: true, signal: stop.signal });
    stop.abort();
    await expect(run).rejects.toThrow(InterruptedError);
    await held.release();
  });
});
