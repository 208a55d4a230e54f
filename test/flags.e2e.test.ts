// The built CLI: a bad number for a guard flag is a usage error with exit 1, never a guard turned off.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let sandbox: Sandbox;
let ws: Workspace;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  // The sandbox has no rate limit, so the client need not pace (pacing has tests of its own).
  ws = workspace({ 'opencx-sync.config.json': JSON.stringify({ rateLimit: 0 }) });
});
afterEach(async () => {
  await sandbox.close();
  ws.cleanup();
});

const cli = (...args: string[]) => runCli(args, { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY } });

it('--max-deletes abc or -5 exits 1 naming the flag, and deletes nothing', async () => {
  for (let i = 0; i < 12; i++) ws.write(`trainings/t${i}.md`, trainingFile(`Question ${i}?`));
  // Setting up needs no real process; the refusals below are the built CLI's exit status.
  expect((await runInProcess(['apply', '--yes'], { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY } })).code).toBe(0);
  for (let i = 0; i < 12; i++) ws.remove(`trainings/t${i}.md`);
  ws.write('trainings/keep.md', trainingFile('Keep?'));
  sandbox.state.requests.length = 0;

  for (const value of ['abc', '-5']) {
    const r = await cli('apply', '--yes', '--prune', '--max-deletes', value);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--max-deletes must be a whole number from 0 to 1000000, not ${JSON.stringify(value === '-5' ? -5 : value)}`);
    expect(r.stderr).toContain('Run "opencx-sync --help" for usage.');
  }
  expect(sandbox.state.requests).toEqual([]);
  expect(sandbox.state.trainings.size).toBe(12);
});
