// Never lose, never duplicate under a storm: 503s, dropped answers and 429s at once, all in process.
// Apart from faults.e2e.test.ts because it mostly waits out the sandbox's rate windows (~15 s of wall,
// little CPU): in a file of its own a second worker runs it beside the SIGKILL tests.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { KEY, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

const outputs: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => {
  // The key is never printed, logged or stored, whatever happened above.
  expect(outputs.length).toBeGreaterThan(0);
  for (const o of outputs) expect(o).not.toContain(KEY);
});

async function setup(n: number, opts: SandboxOptions = {}) {
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, ...opts });
  // The client paces only where a test says so (--rate-limit): the sandbox limits only when asked to.
  const files: Record<string, string> = { 'opencx-sync.config.json': JSON.stringify({ rateLimit: 0 }) };
  for (let i = 0; i < n; i++) files[`trainings/t${String(i).padStart(3, '0')}.md`] = trainingFile(`Question ${i}?`, `Answer ${i}.`);
  const ws = workspace(files);
  cleanups.push(() => sandbox.close(), () => ws.cleanup());
  const env = { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY };
  const cli = async (...args: string[]) => {
    const r = await runInProcess(args, { cwd: ws.dir, env });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  return { sandbox, ws, env, cli };
}

/** Exactly one managed training per file, and a state file that points at each of them. */
function expectConverged(sandbox: Sandbox, ws: Workspace, n: number) {
  const managed = [...sandbox.state.trainings.values()].filter((t) => t.metadata.managed_by === 'opencx-sync');
  const keys = managed.map((t) => t.metadata.key as string);
  expect(new Set(keys).size).toBe(keys.length);
  expect(managed).toHaveLength(n);
  const stateText = ws.read('opencx-sync.state.json');
  outputs.push(stateText);
  const state = JSON.parse(stateText);
  expect(state.pending).toEqual({});
  expect(Object.fromEntries(Object.entries(state.trainings).map(([k, e]) => [k, (e as { id: string }).id]))).toEqual(
    Object.fromEntries(managed.map((t) => [t.metadata.key, t.id])),
  );
}

describe('faults', () => {
  it('503 on every 4th request, a drop after every 3rd POST and a 429 storm: 50 trainings, no duplicates', async () => {
    const { sandbox, ws, cli } = await setup(50, { failEvery: 4, dropEvery: 3, rateLimit: 10, rateWindowMs: 1000 });
    const r = await cli('apply', '--yes', '--rate-limit', '0', '--concurrency', '4', '--retry-delay', '20', '--retries', '8', '--timeout', '5000', '--verbose');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Every dropped answer is adopted on the retry, and counted as such, never as created.
    const [, created, adopted] = /Apply: (\d+) created, (\d+) adopted,/.exec(r.stdout) ?? [];
    expect(Number(created) + Number(adopted)).toBe(50);
    expect(Number(adopted)).toBeGreaterThan(0);
    const statuses = sandbox.state.requests.map((q) => q.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === -1).length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/GET \/training -> 200/);
    expectConverged(sandbox, ws, 50);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });
});
