// Confirmation and saved plans through the built CLI (issue 10, items 2, 4, 5): what needs a real
// process: exit codes, no terminal, and a real pseudo-terminal (util-linux `script`) for the prompt.
// Saved plans, which need none of that, run in process.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { CLI, KEY, runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { parsePlan } from './plan-json.js';
import { runInProcess } from './run-in-process.js';

let sandbox: Sandbox;
let ws: Workspace;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  ws = workspace({
    // The sandbox has no rate limit, so the client need not pace (pacing has tests of its own).
    'opencx-sync.config.json': JSON.stringify({ rateLimit: 0 }),
    'trainings/a.md': trainingFile('Question A?', 'Answer A.'),
    'trainings/b.md': trainingFile('Question B?', 'Answer B.'),
  });
});
afterEach(async () => {
  await sandbox.close();
  ws.cleanup();
});

const env = () => ({ OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY });
const cli = (...args: string[]) => runCli(args, { cwd: ws.dir, env: env() });
const inProcess = (...args: string[]) => runInProcess(args, { cwd: ws.dir, env: env() });
const writes = () => sandbox.state.requests.filter((r) => r.method !== 'GET');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI in a pseudo-terminal; answers `answer` once the question shows. */
function inTerminal(args: string[], answer: string): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', TERM: 'dumb', ...env() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let asked = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!asked && out.includes('(yes/no)')) {
        asked = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('apply asks in a terminal (a real pseudo-terminal)', () => {
  it('shows the plan, asks, and applies on "yes"', async () => {
    const r = await inTerminal(['apply', '--rate-limit', '0'], 'yes');
    expect(r.out).toContain('+ create a');
    expect(r.out).toContain('Apply these 2 changes? (yes/no)');
    expect(r.code).toBe(0);
    expect(writes().map((w) => w.method)).toEqual(['POST', 'POST']);
  });

  it('asks about one change in the singular (the quick start\'s first apply)', async () => {
    ws.remove('trainings/b.md');
    const r = await inTerminal(['apply', '--rate-limit', '0'], 'yes');
    expect(r.out).toContain('Apply this 1 change? (yes/no)');
    expect(r.code).toBe(0);
  });

  it('anything but "yes" cancels: nothing is sent, exit 1', async () => {
    const r = await inTerminal(['apply', '--rate-limit', '0'], 'y');
    expect(r.out).toContain('Apply these 2 changes? (yes/no)');
    expect(r.out).toContain('Apply cancelled: nothing was sent.');
    expect(r.code).toBe(1);
    expect(writes()).toEqual([]);
  });
});

describe('without a terminal', () => {
  it('apply needs --yes or a saved plan, says so, and sends nothing', async () => {
    const r = await cli('apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pass --yes');
    expect(r.stderr).toContain('opencx-sync apply plan.json');
    expect(sandbox.state.requests).toEqual([]);
  });

  it('plan --out then apply <file> applies it without asking; applied twice, the second is stale', async () => {
    const plan = await inProcess('plan', '--out', 'plan.json');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Saved the plan to plan.json');
    expect(JSON.parse(ws.read('plan.json'))).toMatchObject({ format_version: 3, summary: { create: 2 }, saved: { version: 1, keys: ['a', 'b'] } });
    parsePlan(ws.read('plan.json'), ['saved']);
    const first = await inProcess('apply', 'plan.json');
    expect(first.code).toBe(0);
    expect(writes()).toHaveLength(2);
    const again = await inProcess('apply', 'plan.json');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the saved plan plan.json is stale: it was made with no state file');
    expect(again.stderr).toContain('"opencx-sync plan --out plan.json"');
    expect(writes()).toHaveLength(2);
  });

  it('a saved plan brings its own options: --prune, --on-drift, --max-deletes or --no-refresh with it are a usage error', async () => {
    await inProcess('plan', '--out', 'plan.json');
    for (const flag of [['--prune'], ['--on-drift', 'overwrite'], ['--max-deletes', '3'], ['--no-refresh']]) {
      const r = await inProcess('apply', 'plan.json', ...flag);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`drop ${flag[0]?.replace('--no-', '--')}`);
    }
    expect(sandbox.state.requests).toEqual([]);
  });
});

describe('plan --detailed-exitcode', () => {
  it('0 without changes, 2 with changes, 1 when apply would refuse', async () => {
    // The built CLI once, for exit 2 from a real process; the rest in process, which returns the same code.
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(2);
    expect((await inProcess('apply', '--yes')).code).toBe(0);
    expect((await inProcess('plan', '--detailed-exitcode')).code).toBe(0);
    ws.remove('trainings/a.md');
    ws.remove('trainings/b.md');
    ws.write('trainings/c.md', trainingFile('Question C?', 'Answer C.'));
    const refused = await inProcess('plan', '--detailed-exitcode', '--prune', '--max-deletes', '1');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Apply would refuse:');
    expect(refused.stdout).toContain('more than --max-deletes 1');
    const json = await inProcess('plan', '--json', '--prune', '--max-deletes', '1');
    expect(parsePlan(json.stdout)).toMatchObject({ refusals: [expect.stringContaining('more than --max-deletes 1')], skips: [] });
  });
});
