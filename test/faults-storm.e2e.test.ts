// Never lose, never duplicate under a storm: 503s, dropped answers and 429s at once, all in process.
// Apart from faults.e2e.test.ts because it mostly waits out the sandbox's rate windows (~15 s of wall,
// little CPU): in a file of its own a second worker runs it beside the SIGKILL tests.
import { describe, expect, it } from 'vitest';
import type { Sandbox, SandboxOptions } from '../src/sandbox/server.js';
import type { Workspace } from './helpers.js';
import { expectConverged as checkConverged, faultSetup, keyGuard } from './faults-harness.js';

const guard = keyGuard();
const setup = (n: number, opts: SandboxOptions = {}) => faultSetup(guard, n, opts);
const expectConverged = (sandbox: Sandbox, ws: Workspace, n: number) => checkConverged(guard, sandbox, ws, n);

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
