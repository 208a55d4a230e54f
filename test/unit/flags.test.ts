// Numeric flags, run in process through buildCli: a bad number is a usage error naming the flag,
// thrown before the command does anything (so nothing reaches the API).
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../src/cli/main.js';
import { UsageError } from '../../src/errors.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { KEY, trainingFile, workspace, type Workspace } from '../helpers.js';

let sandbox: Sandbox;
let ws: Workspace;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  ws = workspace({ 'opencx-sync.config.json': '{}', 'trainings/a.md': trainingFile('A?') });
  vi.stubEnv('OPENCX_API_KEY', KEY);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await sandbox.close();
  ws.cleanup();
});

/** Every path absolute, so the command never touches the working directory of the test run. */
const where = () => [
  '--dir', path.join(ws.dir, 'trainings'),
  '--state', path.join(ws.dir, 'state.json'),
  '--config', path.join(ws.dir, 'opencx-sync.config.json'),
  '--api-url', sandbox.url,
];

/** yargs throws a usage error synchronously: async turns every failure into a rejection. */
const run = async (argv: string[]) => buildCli(argv).parseAsync();

describe('numeric flags', () => {
  const flags = ['max-deletes', 'lock-wait', 'rate-limit', 'concurrency', 'timeout', 'retries', 'retry-delay'];
  const bad = ['abc', '-5', '1.5', '', '1e3x', 'Infinity'];
  for (const flag of flags) {
    it.each(bad)(`apply --${flag}=%j is a usage error naming the flag, and nothing is sent`, async (value) => {
      const err = await run(['apply', ...where(), `--${flag}=${value}`]).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(new RegExp(`^--${flag} must be a whole number`));
      expect(sandbox.state.requests).toEqual([]);
    });
  }

  it('refuses a flag given twice instead of picking one', async () => {
    const err = await run(['apply', ...where(), '--max-deletes', '1', '--max-deletes', '50']).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('--max-deletes');
  });

  it('plan and state rebuild check the same flags', async () => {
    for (const argv of [['plan', '--refresh', '--timeout', 'soon'], ['state', 'rebuild', '--concurrency', '-1']]) {
      const err = await run([...argv, ...where()]).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
    }
    expect(sandbox.state.requests).toEqual([]);
  });

  it('accepts good whole numbers and runs', async () => {
    await run(['plan', '--refresh', ...where(), '--rate-limit', '0', '--concurrency', '2', '--timeout', '5000', '--retries', '0', '--retry-delay', '0']);
    expect(sandbox.state.requests.map((r) => r.method)).toContain('GET');
  });
});

describe('flags that do nothing are not offered', () => {
  const helpOf = (argv: string[]) =>
    new Promise<string>((resolve) => {
      void buildCli(argv).exitProcess(false).parse(argv, {}, (_err, _args, output) => resolve(output));
    });

  it('validate has no --state: it never reads the state file', async () => {
    expect(await helpOf(['validate', '--help'])).not.toContain('--state');
    const err = await run(['validate', '--state', 'x.json', '--dir', path.join(ws.dir, 'trainings')]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^Unknown argument: state\n/);
  });

  it('plan, apply and state rebuild still take --state', async () => {
    for (const argv of [['plan', '--help'], ['apply', '--help'], ['state', 'rebuild', '--help']]) expect(await helpOf(argv)).toContain('--state');
  });
});
