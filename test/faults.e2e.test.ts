// Never lose, never duplicate: the CLI against the sandbox's fault switches, SIGKILL at chosen
// moments, two runs at once, hand edits and a lost state file. The runs that are killed, interrupted
// or held are built CLIs in child processes; the runs before and after them go in process.
// The 503/drop/429 storm is in faults-storm.e2e.test.ts: it waits out rate windows, so it runs beside these.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sandbox, SandboxOptions } from '../src/sandbox/server.js';
import { CLI, KEY, runCli, trainingFile, type CliResult, type Workspace } from './helpers.js';
import { expectConverged as checkConverged, faultSetup, keyGuard } from './faults-harness.js';

const guard = keyGuard();
const { outputs } = guard;
const setup = (n: number, opts: SandboxOptions = {}) => faultSetup(guard, n, opts);
const expectConverged = (sandbox: Sandbox, ws: Workspace, n: number) => checkConverged(guard, sandbox, ws, n);

describe('faults', () => {
  it.each([2, 9, 31, 58, 77, 101])('SIGKILL when the server sees request %i, then apply again: exactly 100', async (killAt) => {
    const running: { child?: ChildProcess } = {};
    const { sandbox, ws, env, cli } = await setup(100, {
      latencyMs: 2,
      onRequest: (_, count) => count === killAt && running.child?.kill('SIGKILL'),
    });
    const child = (running.child = spawn(process.execPath, [CLI, 'apply', '--yes', '--rate-limit', '0', '--concurrency', '4'], {
      cwd: ws.dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const killed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    const signal = await killed;
    outputs.push(out);
    // Request 101 is the last create: a kill there may land after the run ended on its own.
    if (killAt < 101) expect(signal).toBe('SIGKILL');
    const again = await cli('apply', '--yes', '--rate-limit', '0');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expectConverged(sandbox, ws, 100);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('two applies on one state at once: one reports the lock, no duplicates', async () => {
    // The first run's creates are held at the server until the second run has tried and given up.
    let firstPost!: () => void;
    let release!: () => void;
    const posted = new Promise<void>((r) => (firstPost = r));
    const held = new Promise<void>((r) => (release = r));
    const { sandbox, ws, env, cli } = await setup(30, {
      onRequest: (q) => {
        if (q.method !== 'POST') return undefined;
        firstPost();
        return held;
      },
    });
    const a = runCli(['apply', '--yes', '--rate-limit', '0'], { cwd: ws.dir, env });
    await posted;
    const b = await cli('apply', '--yes', '--rate-limit', '0', '--lock-wait', '0');
    release();
    const ra: CliResult = await a;
    outputs.push(ra.stdout, ra.stderr);
    expect(ra.code, ra.stderr).toBe(0);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/is locked by "opencx-sync apply" \(pid \d+ on .+, since .+\): wait for it to finish/);
    expectConverged(sandbox, ws, 30);
  });
});

describe('drift and recovery', () => {
  it('a hand edit shows in plan --refresh, fails apply by default, and --on-drift overwrite restores the file', async () => {
    const { sandbox, ws, cli } = await setup(3);
    await cli('apply', '--yes');
    const target = [...sandbox.state.trainings.values()].find((t) => t.metadata.key === 't001')!;
    await fetch(`${sandbox.url}/training/${target.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: target.title, content: 'Edited in the dashboard.', is_draft: false, metadata: target.metadata }),
    });
    const refresh = await cli('plan', '--refresh');
    expect(refresh.stdout).toContain('! t001: edited in Open.cx: content');
    expect(refresh.stdout).toContain('~ update t001  (trainings/t001.md, edited in Open.cx: overwrite)');
    expect(refresh.stdout).toContain('- Edited in the dashboard.');
    ws.write('trainings/t002.md', trainingFile('Question 2?', 'A better answer.'));
    const refused = await cli('apply', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('x failed  t001 (trainings/t001.md): was edited in Open.cx since the last apply');
    expect(refused.stdout).toContain('~ updated t002');
    expect(sandbox.state.trainings.get(target.id)?.content).toBe('Edited in the dashboard.');
    const skipped = await cli('apply', '--yes', '--on-drift', 'skip');
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('! skipped t001');
    const forced = await cli('apply', '--yes', '--on-drift', 'overwrite');
    expect(forced.code, forced.stdout).toBe(0);
    expect(sandbox.state.trainings.get(target.id)?.content).toBe('Answer 1.');
    expect((await cli('plan', '--refresh', '--detailed-exitcode')).code).toBe(0);
  });

  it('a training deleted by hand is recreated only with --on-drift overwrite', async () => {
    const { sandbox, ws, cli } = await setup(2);
    await cli('apply', '--yes');
    const gone = [...sandbox.state.trainings.values()].find((t) => t.metadata.key === 't000')!;
    sandbox.state.trainings.delete(gone.id);
    ws.write('trainings/t000.md', trainingFile('Question 0?', 'Changed.'));
    expect((await cli('plan', '--refresh')).stdout).toContain('! t000: deleted in Open.cx');
    const refused = await cli('apply', '--yes');
    expect(refused.stdout).toContain('was deleted in Open.cx since the last apply');
    expect((await cli('apply', '--yes', '--on-drift', 'overwrite')).code).toBe(0);
    expectConverged(sandbox, ws, 2);
  });

  it('a lost state file: apply refuses to duplicate, state rebuild recovers, plan is empty', async () => {
    const { sandbox, ws, cli } = await setup(5);
    await cli('apply', '--yes');
    rmSync(path.join(ws.dir, 'opencx-sync.state.json'));
    const refused = await cli('apply', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Open.cx already holds 5 trainings made by opencx-sync: run "opencx-sync state rebuild"');
    expect((await cli('plan', '--refresh')).stdout).toContain('not in the state file: "opencx-sync state rebuild" recovers it');
    const rebuilt = await cli('state', 'rebuild');
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain('5 trainings tracked');
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
    expectConverged(sandbox, ws, 5);
    expect((await cli('state', 'rebuild')).stderr).toContain('pass --force to replace it');
  });

  it('a damaged state file is an error, never an empty state', async () => {
    const { ws, cli } = await setup(1);
    await cli('apply', '--yes');
    ws.write('opencx-sync.state.json', ws.read('opencx-sync.state.json').slice(0, 40));
    const r = await cli('plan');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/state file .*opencx-sync\.state\.json is not valid JSON .*restore it from git, or run "opencx-sync state rebuild"/);
  });
});

describe('interruption', () => {
  it('Ctrl-C stops starting new changes, records those in flight, releases the lock; apply again finishes', async () => {
    const running: { child?: ReturnType<typeof spawn> } = {};
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { sandbox, ws, env, cli } = await setup(20, {
      onRequest: (q, count) => {
        // Interrupt as the third create arrives, and hold it until the signal has been handled.
        if (q.method !== 'POST' || count !== 4) return undefined;
        running.child?.kill('SIGINT');
        return held;
      },
    });
    const child = (running.child = spawn(process.execPath, [CLI, 'apply', '--yes', '--rate-limit', '0', '--concurrency', '1'], {
      cwd: ws.dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => {
      out += d;
      if (String(d).includes('Stopping after the requests in flight')) release();
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    outputs.push(out);
    expect(code).toBe(130);
    expect(out).toContain('Apply: 3 created, 0 updated, 0 moved, 0 deleted, 0 failed, 17 skipped.');
    expect(out).toContain('not attempted: interrupted');
    expect(Object.keys(JSON.parse(ws.read('opencx-sync.state.json')).trainings)).toHaveLength(3);
    expect(() => ws.read('opencx-sync.state.json.lock')).toThrow();
    expect((await cli('apply', '--yes', '--rate-limit', '0')).code).toBe(0);
    expectConverged(sandbox, ws, 20);
  });
});
