// The JSON output contract: each command's document, the error document when a command stops (alone on
// stdout), and the exit code of each. runCli and runInProcess check every document against its schema
// (test/json-output.ts); these tests pin what each run must say. The built CLI in a child process for a
// document, an error document, a usage error, a failed request and a lock held by another process; the
// rest in process, which captures the same stdout and exit code.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../src/io/lock.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let sandbox: Sandbox;
let ws: Workspace;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  // No pacing against the sandbox: the client's default 100 requests a minute would only add waits.
  ws = workspace({ 'opencx-sync.config.json': JSON.stringify({ rateLimit: 0 }), 'trainings/a.md': trainingFile('Question A?'), 'trainings/b.md': trainingFile('Question B?') });
});
afterEach(async () => {
  await sandbox.close();
  ws.cleanup();
});

const env = () => ({ OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY });
const cli = async (...args: string[]) => {
  const r = await runInProcess(args, { cwd: ws.dir, env: env() });
  return { ...r, json: JSON.parse(r.stdout) };
};
/** The built CLI in a child process: the document alone on a real stdout, the exit code of a real exit. */
const spawned = async (...args: string[]) => {
  const r = await runCli(args, { cwd: ws.dir, env: env() });
  return { ...r, json: JSON.parse(r.stdout) };
};

describe('--json documents', () => {
  it('validate --json (= --format json): the report, exit 0 valid, 1 invalid', async () => {
    const ok = await spawned('validate', '--json');
    expect([ok.code, ok.json]).toEqual([0, { format_version: 1, command: 'validate', valid: true, files: 2, issues: [] }]);
    ws.write('trainings/bad.md', '---\ntitel: x\n---\nBody\n');
    const bad = await spawned('validate', '--format', 'json');
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ command: 'validate', valid: false, files: 3, issues: [{ file: 'trainings/bad.md', severity: 'error' }] });
  });

  it('validate --json with --format github is a usage error', async () => {
    const r = await cli('validate', '--json', '--format', 'github');
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ kind: 'usage', message: expect.stringContaining('--json and --format github'), exit_code: 1 });
  });

  it('plan --json --detailed-exitcode: the plan, exit 2 with changes; apply --json: the outcomes, exit 0', async () => {
    const plan = await cli('plan', '--json', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.json).toMatchObject({ format_version: 3, command: 'plan', summary: { create: 2 } });
    const apply = await cli('apply', '--yes', '--json');
    expect(apply.code).toBe(0);
    expect(apply.json).toMatchObject({ format_version: 1, command: 'apply', summary: { created: 2, failed: 0 } });
    const again = await cli('plan', '--json', '--detailed-exitcode');
    expect([again.code, again.json.changes]).toEqual([0, []]);
  });

  it('state rebuild --json: what was rebuilt', async () => {
    await cli('apply', '--yes', '--json');
    ws.remove('opencx-sync.state.json');
    const r = await cli('state', 'rebuild', '--json');
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ format_version: 1, command: 'state rebuild', state_file: 'opencx-sync.state.json', lineage: expect.any(String), serial: 1, tracked: 2, duplicates: [] });
  });

  it('audience --json names its command', async () => {
    const r = await cli('audience', '--json');
    expect(r.json).toMatchObject({ format_version: 1, command: 'audience', drafts: 0 });
  });
});

describe('a command that stops prints the error document alone on stdout', () => {
  it('invalid files stop plan, apply and audience: every issue in the document, exit 1, nothing sent', async () => {
    ws.write('trainings/bad.md', '---\ntitel: x\n---\nBody\n');
    for (const args of [['plan', '--json'], ['apply', '--yes', '--json'], ['audience', '--json']]) {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({
        format_version: 2,
        command: args[0],
        error: { kind: 'invalid_files', exit_code: 1, message: expect.stringContaining('1 error in 1 of 3 files'), issues: [{ file: 'trainings/bad.md', line: 2 }] },
      });
      expect(r.stderr).toContain('trainings/bad.md:2:');
    }
    expect(sandbox.state.requests).toEqual([]);
  });

  it('a usage error, exit 1, names the command', async () => {
    const r = await spawned('apply', '--json', '--prnue');
    expect(r.code).toBe(1);
    expect(r.json).toEqual({ format_version: 2, command: 'apply', error: { kind: 'usage', message: expect.stringContaining('Did you mean --prune?'), exit_code: 1 } });
  });

  it('no command, or an unknown one: a usage error naming every command, command null', async () => {
    const none = await cli('--json');
    expect(none.code).toBe(1);
    expect(none.json).toMatchObject({ command: null, error: { kind: 'usage', message: expect.stringContaining('audience') } });
    const typo = await cli('valdate', '--json');
    expect(typo.json).toMatchObject({ command: null, error: { kind: 'usage', message: 'unknown command "valdate": did you mean validate?' } });
    // --json is no unknown flag: the command is what is unknown.
    const bogus = await cli('bogus', '--json');
    expect(bogus.json.error.message).toMatch(/^unknown command "bogus": name one of validate, plan, apply, import, state rebuild, audience, doctor, sandbox/);
  });

  it('a failed request: kind api, the key never shown', async () => {
    const r = await runCli(['plan', '--refresh', '--json'], { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: 'wrong-key-0123456789' } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ kind: 'api', exit_code: 1, message: expect.stringContaining('401') });
    expect(r.stdout + r.stderr).not.toContain('0123456789');
  });

  it('a held lock: kind user, exit 1, nothing sent', async () => {
    const lock = await acquireLock(path.join(ws.dir, 'opencx-sync.state.json'), { waitMs: 0, command: 'test' });
    try {
      const r = await spawned('apply', '--yes', '--json', '--lock-wait', '0');
      expect(r.code).toBe(1);
      expect(r.json.error).toMatchObject({ kind: 'user', message: expect.stringContaining('is locked by') });
    } finally {
      await lock.release();
    }
    expect(sandbox.state.requests).toEqual([]);
  });

  it('apply without a terminal and without --yes: a usage error document', async () => {
    const r = await cli('apply', '--json');
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ kind: 'usage', message: expect.stringContaining('pass --yes') });
  });
});
