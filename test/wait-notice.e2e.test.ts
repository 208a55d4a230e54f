// In a CI log (stderr not a terminal) a long rate-limit wait prints a line, so it does not look like a
// hang; and a first Ctrl-C ends such a wait at once instead of sitting it out.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { CLI, KEY, runCli, trainingFile, workspace } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(windowMs: number) {
  // One request per window: the listing passes, the create is told to wait out the window.
  const s: Sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 1, rateWindowMs: windowMs });
  cleanups.push(() => s.close());
  const ws = workspace({ 'trainings/refunds.md': trainingFile('How do I get a refund?') });
  cleanups.push(() => ws.cleanup());
  return { s, ws, env: { OPENCX_API_URL: s.url, OPENCX_API_KEY: KEY } };
}

describe('long waits', () => {
  it('prints a line while it waits for the rate limit, with the progress', async () => {
    const { s, ws, env } = await setup(3000);
    const r = await runCli(['apply', '--yes', '--rate-limit', '0'], { cwd: ws.dir, env });
    expect(r.stderr).toMatch(/^waiting [23] s for the rate limit: 0\/1 done$/m);
    expect(r.code).toBe(0);
    expect(s.state.trainings.size).toBe(1);
  });

  it('a first Ctrl-C ends the wait at once and exits 130 without creating', async () => {
    const { s, ws, env } = await setup(60_000);
    const child = spawn(process.execPath, [CLI, 'apply', '--yes', '--rate-limit', '0'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const waiting = new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/waiting \d+ s for the rate limit/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waiting;
    const started = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(s.state.trainings.size).toBe(0);
  });
});
