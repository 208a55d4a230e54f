// The CLI on every Node major package.json's engines claims, not only the one running the tests: the
// built CLI as a child process under Node 22.12 (the lowest 22 engines accepts) and Node 24 (binaries
// from the npm registry, test/node24.ts), against the sandbox over real HTTP: validate, plan, apply.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { CLI, collect, KEY, trainingFile, workspace, type Workspace } from '../helpers.js';
import { NODE22, node24, nodeBinary } from '../node24.js';

// One organisation per Node: each run starts from an empty Open.cx.
let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
});
afterEach(async () => {
  await sandbox.close();
});

function run(node: string, ws: Workspace, args: string[]) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY };
  return collect(spawn(node, [CLI, ...args], { cwd: ws.dir, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe.each([
  ['22', () => nodeBinary(NODE22)],
  ['24', node24],
])('the CLI on Node %s', (major, binary) => {
  it('validates, plans and applies against the sandbox, and the next plan is empty', { timeout: 120_000 }, async () => {
    const node = binary();
    const ws = workspace({
      'opencx-sync.config.json': JSON.stringify({ rateLimit: 0 }),
      'trainings/refunds.md': trainingFile('How do I get a refund?', 'Within 30 days.'),
      'trainings/hours.md': trainingFile('When are you open?', 'Nine to five.'),
    });
    try {
      const version = await run(node, ws, ['--version']);
      expect(version.code).toBe(0);
      const validate = await run(node, ws, ['validate', '--json']);
      expect([validate.code, JSON.parse(validate.stdout)]).toMatchObject([0, { command: 'validate', valid: true, files: 2 }]);
      const apply = await run(node, ws, ['apply', '--yes', '--json']);
      expect(apply.code, apply.stderr).toBe(0);
      expect(JSON.parse(apply.stdout).outcomes.map((o: { status: string }) => o.status)).toEqual(['created', 'created']);
      const plan = await run(node, ws, ['plan', '--refresh', '--detailed-exitcode']);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('No changes');
      expect(apply.stderr + plan.stderr).not.toContain(KEY);
      // The binary really is that major: a silent fallback to the test runner's Node would prove nothing.
      const seen = await collect(spawn(node, ['-p', 'process.versions.node'], { stdio: ['ignore', 'pipe', 'pipe'] }));
      expect(seen.stdout.trim().split('.')[0]).toBe(major);
    } finally {
      ws.cleanup();
    }
  });
});
