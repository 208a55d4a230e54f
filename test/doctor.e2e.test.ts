// The built `opencx-sync doctor` against the sandbox: exit codes per outcome, the report file, and
// Ctrl-C (or a kill) at a chosen request: the probe is deleted (or found and deleted by the next run),
// and the sandbox holds the same records as before. The key is in no output and no report.
// The built CLI for exit 0, the report to /dev/stdout, Ctrl-C and SIGKILL; the other exit codes, no key
// and the run after a kill go in process, which gives the same exit code, output and report file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecord, STRICT } from '../src/sandbox/model.js';
import { behaviourOf } from '../src/sandbox/readings.js';
import { startSandbox, type RequestRecord, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { CLI, collect, KEY, runCli, workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';
import { keyGuard } from './faults-harness.js';

const { outputs, cleanups } = keyGuard();

const snapshot = (s: Sandbox) => JSON.stringify([...s.state.trainings.values()].sort((a, b) => a.id.localeCompare(b.id)));

async function setup(opts: SandboxOptions = {}) {
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, ...opts });
  const seeded = createRecord('seed', 1, { title: 'Made in the dashboard?', content: 'Yes.', is_draft: false }, '2026-01-01T00:00:00.000Z', STRICT);
  sandbox.state.trainings.set(seeded.id, seeded);
  const ws = workspace();
  cleanups.push(() => sandbox.close(), () => ws.cleanup());
  const env = { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY };
  const report = () => {
    const text = readFileSync(path.join(ws.dir, 'opencx-doctor.json'), 'utf8');
    outputs.push(text);
    return JSON.parse(text);
  };
  return { sandbox, ws, env, report, before: snapshot(sandbox) };
}

const doctorArgs = ['doctor', '--rate-limit', '0', '--retry-delay', '5'];

describe('opencx-sync doctor exit codes', () => {
  it.each([
    ['strict', 0, 'holds'],
    ['create-200', 3, 'differs'],
  ])('under %s: exit %i, the table on stdout, the report in opencx-doctor.json', async (reading, code, result) => {
    const { sandbox, ws, env, report, before } = await setup({ behaviour: behaviourOf([reading]) });
    const r = reading === 'strict' ? await runCli(doctorArgs, { cwd: ws.dir, env }) : await runInProcess(doctorArgs, { cwd: ws.dir, env });
    outputs.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stdout).toMatch(/Assumption\s+Observed\s+What the tool does/);
    expect(r.stdout).toContain('Report written to opencx-doctor.json.');
    expect(report()).toMatchObject({ format_version: 1, result, probe: { removed: true } });
    expect(snapshot(sandbox)).toBe(before);
  });

  it('a key without training:write: exit 4, and --json prints the report it writes to --out', async () => {
    const { sandbox, ws, env, before } = await setup({ readOnlyKey: `${KEY}-ro` });
    const r = await runInProcess([...doctorArgs, '--json', '--out', 'r.json'], { cwd: ws.dir, env: { ...env, OPENCX_API_KEY: `${KEY}-ro` } });
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(4);
    const printed = JSON.parse(r.stdout);
    expect(printed).toMatchObject({ result: 'breaks', checks: expect.arrayContaining([expect.objectContaining({ id: 'write-scope', verdict: 'breaks' })]) });
    expect(JSON.parse(ws.read('r.json'))).toEqual(printed);
    expect(snapshot(sandbox)).toBe(before);
  });

  it('--out /dev/stdout with stdout sent to a file: the report follows the table in that file', async () => {
    // Found by hostile testing: /dev/stdout resolved to the file, which the durable writer replaced by
    // rename, so the table (written to the old file) was lost and the shell's file held only the report.
    const { ws, env } = await setup();
    const file = path.join(ws.dir, 'out.txt');
    const fd = openSync(file, 'w');
    const child = spawn(process.execPath, [CLI, ...doctorArgs, '--out', '/dev/stdout'], { cwd: ws.dir, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    const r = await collect(child);
    const text = readFileSync(file, 'utf8');
    outputs.push(text, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    expect(text).toMatch(/^ +Assumption +Observed/);
    const start = text.indexOf('\n{\n');
    const end = text.indexOf('\n}\n', start);
    expect(JSON.parse(text.slice(start + 1, end + 2))).toMatchObject({ command: 'doctor', result: 'holds' });
    expect(text.trimEnd().endsWith('Report written to /dev/stdout.')).toBe(true);
  });

  it('an --out it cannot write: one error document on stdout with --json, and nothing sent when its folder is missing', async () => {
    const { sandbox, ws, env, before } = await setup();
    const missing = await runInProcess([...doctorArgs, '--json', '--out', 'nope/r.json'], { cwd: ws.dir, env });
    outputs.push(missing.stdout, missing.stderr);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ command: 'doctor', error: { kind: 'user', message: expect.stringContaining('nope') } });
    expect(sandbox.state.requests).toEqual([]);
    // A path that is a folder: the same, before anything is sent.
    ws.write('dir/x', '');
    const folder = await runInProcess([...doctorArgs, '--json', '--out', 'dir'], { cwd: ws.dir, env });
    outputs.push(folder.stdout, folder.stderr);
    expect(folder.code).toBe(1);
    expect(JSON.parse(folder.stdout)).toMatchObject({ command: 'doctor', error: { kind: 'user', message: expect.stringContaining('is a folder') } });
    expect(sandbox.state.requests).toEqual([]);
    // A file it cannot write once the checks ran (a name too long for the file system, even for root):
    // the error document alone, naming the report file, and the probe gone.
    const late = await runInProcess([...doctorArgs, '--json', '--out', `${'r'.repeat(300)}.json`], { cwd: ws.dir, env });
    outputs.push(late.stdout, late.stderr);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toMatchObject({ command: 'doctor', error: { kind: 'user', message: expect.stringMatching(/^could not write the doctor report .*ENAMETOOLONG/) } });
    expect(sandbox.state.requests.length).toBeGreaterThan(0);
    expect(snapshot(sandbox)).toBe(before);
  });

  it('no key: exit 1 with the usual message, nothing sent', async () => {
    const { sandbox, ws, env } = await setup();
    const r = await runInProcess(doctorArgs, { cwd: ws.dir, env: { OPENCX_API_URL: env.OPENCX_API_URL } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OPENCX_API_KEY is not set');
    expect(sandbox.state.requests).toEqual([]);
  });
});

describe('opencx-sync doctor interrupted', () => {
  /** Spawns doctor; at the first request `at` matches, sends `signal` and (for SIGINT) holds that request until the child says it is stopping. */
  async function interrupted(at: (r: RequestRecord) => boolean, signal: NodeJS.Signals) {
    const running: { child?: ChildProcess; stopping?: Promise<void> } = {};
    let fired = false;
    const s = await setup({
      onRequest: (r) => {
        if (fired || !at(r) || !running.child) return;
        fired = true;
        running.child.kill(signal);
        return signal === 'SIGINT' ? running.stopping : undefined;
      },
    });
    const child = (running.child = spawn(process.execPath, [CLI, ...doctorArgs], { cwd: s.ws.dir, env: { PATH: process.env.PATH, NO_COLOR: '1', ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    running.stopping = new Promise<void>((resolve) => {
      let err = '';
      child.stderr?.on('data', (d) => {
        err += d;
        if (err.includes('Stopping')) resolve();
      });
    });
    const r = await collect(child);
    outputs.push(r.stdout, r.stderr);
    expect(fired).toBe(true);
    return { ...s, r };
  }

  it.each([
    ['the first list', (r: RequestRecord) => r.method === 'GET' && r.path === '/training', false],
    ['the create', (r: RequestRecord) => r.method === 'POST', true],
    ['the draft toggle', (r: RequestRecord) => r.path.endsWith('/draft'), true],
  ])('Ctrl-C during %s: exit 130, the probe deleted, the report says interrupted', async (_, at, made) => {
    const { sandbox, r, report, before } = await interrupted(at, 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    const rep = report();
    expect(rep).toMatchObject({ result: 'interrupted', probe: { removed: true } });
    expect(rep.checks.find((c: { id: string }) => c.id === 'delete')).toMatchObject({ verdict: 'unknown', observed: 'not checked: interrupted' });
    expect(rep.probe.id !== null).toBe(made);
    // Said as it is: before the create there is no probe to delete.
    if (made) expect(r.stderr).toContain('Stopping: deleting the probe first; press Ctrl-C again to stop at once.');
    else expect(r.stderr).toContain('Stopping: no probe was made yet, so there is nothing to delete; press Ctrl-C again to stop at once.');
    expect(r.stderr.includes('deleting the probe')).toBe(made);
    expect(snapshot(sandbox)).toBe(before);
    // After the signal, the only writes are the clean-up.
    const writes = sandbox.state.requests.filter((q) => q.method !== 'GET').map((q) => q.method);
    if (made) expect(writes.at(-1)).toBe('DELETE');
    else expect(writes).toEqual([]);
  });

  it('killed (SIGKILL) after the create: the probe is left, and the next run finds it by its tag and deletes it first', async () => {
    const { sandbox, ws, env, r, report, before } = await interrupted((q) => q.method === 'PUT', 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(path.join(ws.dir, 'opencx-doctor.json'))).toBe(false);
    const left = [...sandbox.state.trainings.values()].filter((t) => t.metadata.probe === 'doctor');
    expect(left).toHaveLength(1);
    const again = await runInProcess(doctorArgs, { cwd: ws.dir, env });
    outputs.push(again.stdout, again.stderr);
    expect(again.code, again.stderr).toBe(0);
    expect(report().probe.leftovers_removed).toEqual([left[0]?.id]);
    expect(snapshot(sandbox)).toBe(before);
  });
});
