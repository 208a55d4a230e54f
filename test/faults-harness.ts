// What the fault tests share (faults.e2e and faults-storm.e2e): a workspace of N trainings against a
// sandbox with fault switches, an in-process CLI that collects its output, and the convergence check.
// keyGuard is for any test file: cleanups after each test, and no collected output holding the key.
import { afterAll, afterEach, expect } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { KEY, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

export interface KeyGuard {
  /** Everything the file's runs printed or wrote: checked for the key after the last test. */
  outputs: string[];
  /** Run (and emptied) after each test. */
  cleanups: (() => Promise<void> | void)[];
}

/** Registers the file's hooks: cleanups after each test; at the end, the key in no output. */
export function keyGuard(): KeyGuard {
  const guard: KeyGuard = { outputs: [], cleanups: [] };
  afterEach(async () => {
    for (const c of guard.cleanups.splice(0)) await c();
  });
  afterAll(() => {
    // The key is never printed, logged or stored, whatever happened above.
    expect(guard.outputs.length).toBeGreaterThan(0);
    for (const o of guard.outputs) expect(o).not.toContain(KEY);
  });
  return guard;
}

/** N trainings (t000.md ...) against a fresh sandbox; the client paces only where a test says so. */
export async function faultSetup(guard: KeyGuard, n: number, opts: SandboxOptions = {}) {
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, ...opts });
  const files: Record<string, string> = { 'opencx-sync.config.json': JSON.stringify({ rateLimit: 0 }) };
  for (let i = 0; i < n; i++) files[`trainings/t${String(i).padStart(3, '0')}.md`] = trainingFile(`Question ${i}?`, `Answer ${i}.`);
  const ws = workspace(files);
  guard.cleanups.push(() => sandbox.close(), () => ws.cleanup());
  const env = { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY };
  const cli = async (...args: string[]) => {
    const r = await runInProcess(args, { cwd: ws.dir, env });
    guard.outputs.push(r.stdout, r.stderr);
    return r;
  };
  return { sandbox, ws, env, cli };
}

/** Exactly one managed training per file, and a state file that points at each of them. */
export function expectConverged(guard: KeyGuard, sandbox: Sandbox, ws: Workspace, n: number): void {
  const managed = [...sandbox.state.trainings.values()].filter((t) => t.metadata.managed_by === 'opencx-sync');
  const keys = managed.map((t) => t.metadata.key as string);
  expect(new Set(keys).size).toBe(keys.length);
  expect(managed).toHaveLength(n);
  const stateText = ws.read('opencx-sync.state.json');
  guard.outputs.push(stateText);
  const state = JSON.parse(stateText);
  expect(state.pending).toEqual({});
  expect(Object.fromEntries(Object.entries(state.trainings).map(([k, e]) => [k, (e as { id: string }).id]))).toEqual(
    Object.fromEntries(managed.map((t) => [t.metadata.key, t.id])),
  );
}
