// The bundled Action run exactly as the runner runs it: INPUT_* variables, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY and a pull-request event, against the sandbox and a local fake of GitHub's REST API.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, ROOT, trainingFile, workspace, type Workspace } from './helpers.js';
import { node24 } from './node24.js';
import { parsePlan } from './plan-json.js';

interface FakeGitHub {
  url: string;
  calls: string[];
  comments: { id: number; body: string }[];
  close(): Promise<void>;
}

/** Just the REST endpoints the Action calls for its comment, over real HTTP. */
async function fakeGitHub(): Promise<FakeGitHub> {
  const calls: string[] = [];
  const comments: { id: number; body: string }[] = [];
  let nextId = 100;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url?.split('?')[0]}`);
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== 'token gh-token' && req.headers.authorization !== 'Bearer gh-token') return send(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && req.url?.startsWith('/repos/acme/support/issues/7/comments')) return send(200, comments);
      if (req.method === 'POST' && req.url === '/repos/acme/support/issues/7/comments') {
        const c = { id: nextId++, body: JSON.parse(body).body as string };
        comments.push(c);
        return send(201, c);
      }
      const m = /^\/repos\/acme\/support\/issues\/comments\/(\d+)$/.exec(req.url ?? '');
      const existing = comments.find((c) => c.id === Number(m?.[1]));
      if (req.method === 'PATCH' && existing) {
        existing.body = JSON.parse(body).body;
        return send(200, existing);
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    comments,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let sandbox: Sandbox;
let gh: FakeGitHub;
let ws: Workspace;
let runner: string;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  gh = await fakeGitHub();
  runner = mkdtempSync(path.join(tmpdir(), 'runner-'));
  ws = workspace({
    'opencx-sync.config.json': JSON.stringify({ directories: { Billing: 'dir-billing' } }),
    'trainings/billing/refunds.md': trainingFile('How do I get a refund?', 'Within 30 days.', { directory: 'Billing' }),
    'trainings/shipping.md': trainingFile('Do you ship to Canada?', 'Yes.'),
    'trainings/tone.md': trainingFile('Keep it short', 'Three paragraphs at most.', { type: 'BEHAVIORAL' }),
  });
});
afterEach(async () => {
  await sandbox.close();
  await gh.close();
  ws.cleanup();
  rmSync(runner, { recursive: true, force: true });
});

interface ActionRun {
  code: number | null;
  stdout: string;
  summary: string;
  outputs: Record<string, string>;
}

async function runAction(inputs: Record<string, string>, event: 'pull_request' | 'push' = 'pull_request'): Promise<ActionRun> {
  const id = Math.random().toString(36).slice(2);
  const files = { summary: path.join(runner, `summary-${id}.md`), output: path.join(runner, `output-${id}`), event: path.join(runner, `event-${id}.json`) };
  for (const f of [files.summary, files.output]) writeFileSync(f, '');
  writeFileSync(files.event, JSON.stringify(event === 'pull_request' ? { pull_request: { number: 7, head: { sha: 'abc123' } } } : { ref: 'refs/heads/main' }));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws.dir,
    GITHUB_REPOSITORY: 'acme/support',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_SHA: 'def456',
    GITHUB_REF_NAME: 'main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: gh.url,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    RUNNER_TEMP: runner,
    'INPUT_API-URL': sandbox.url,
    'INPUT_GITHUB-TOKEN': 'gh-token',
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  // The runtime action.yml names (node24), not the Node running the tests.
  const child = spawn(node24(), [path.join(ROOT, 'dist/action.js')], { cwd: ws.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stdout += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stdout, summary: readFileSync(files.summary, 'utf8'), outputs: parseOutputs(readFileSync(files.output, 'utf8')) };
}

/** GITHUB_OUTPUT holds `name<<DELIM\nvalue\nDELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1] as string] = m[3] as string;
  return out;
}

/** The key appears only where the runner protocol needs it: the add-mask command. */
function expectNoKey(text: string) {
  expect(text.split('\n').filter((l) => l.includes(KEY) && l !== `::add-mask::${KEY}`)).toEqual([]);
}

describe('action', () => {
  it('plan on a pull request: summary table, outputs, plan JSON, and one comment updated in place', async () => {
    const first = await runAction({ command: 'plan', 'api-key': KEY });
    expect(first.code, first.stdout).toBe(0);
    expect(first.summary).toContain('### opencx-sync plan');
    expect(first.summary).toContain('**3** to create, **0** to update, **0** to move, **0** to delete, 0 unchanged.');
    expect(first.summary).toContain('| ➕ create | `billing/refunds` | [`trainings/billing/refunds.md`](https://github.com/acme/support/blob/abc123/trainings/billing/refunds.md) | title: How do I get a refund?; content; directory: Billing |');
    expect(first.outputs).toMatchObject({ 'has-changes': 'true', created: '3', updated: '0', moved: '0', deleted: '0', failed: '0' });
    const plan = parsePlan(readFileSync(first.outputs['plan-json'] as string, 'utf8'));
    expect(plan.summary).toEqual({ create: 3, adopt: 0, update: 0, retag: 0, move: 0, delete: 0, unchanged: 0 });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain('<!-- opencx-sync:plan -->');
    expect(sandbox.state.requests).toEqual([]);

    ws.write('trainings/tone.md', trainingFile('Keep it short', 'Two paragraphs at most.', { type: 'BEHAVIORAL' }));
    const second = await runAction({ command: 'plan', 'api-key': KEY });
    expect(second.code).toBe(0);
    expect(gh.calls.filter((c) => c.startsWith('POST'))).toHaveLength(1);
    expect(gh.calls.filter((c) => c.startsWith('PATCH'))).toEqual(['PATCH /repos/acme/support/issues/comments/100']);
    expect(gh.comments).toHaveLength(1);
    expectNoKey(first.stdout + first.summary + second.stdout + JSON.stringify(plan));
  });

  it('validate turns a broken file into file/line annotations and fails the step', async () => {
    ws.write('trainings/bad.md', '---\ntitle: Bad\nis_draft: true\n---\nBody\n');
    const r = await runAction({ command: 'validate' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error title=opencx-sync,file=trainings/bad.md,line=3,col=1::unknown key "is_draft": did you mean "draft"?');
    expect(r.summary).toContain('| `trainings/bad.md` | 3 | unknown key "is_draft": did you mean "draft"? |');
    expect(r.stdout).toContain('::error::1 error in the training files');
  });

  it('apply on push: creates, reports, and commits the state file back with [skip ci]', async () => {
    const origin = mkdtempSync(path.join(tmpdir(), 'origin-'));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' });
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
      git('init', '-q', '-b', 'main');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'trainings');
      git('remote', 'add', 'origin', origin);
      git('push', '-q', 'origin', 'main');

      const r = await runAction({ command: 'apply', 'api-key': KEY }, 'push');
      expect(r.code, r.stdout).toBe(0);
      expect(r.outputs).toMatchObject({ 'has-changes': 'true', created: '3', failed: '0' });
      expect(r.summary).toContain('| ✅ created | `shipping` |');
      expect(r.stdout).toContain(`::add-mask::${KEY}`);
      const log = execFileSync('git', ['log', '--format=%an|%s', 'main'], { cwd: origin, encoding: 'utf8' });
      expect(log.split('\n')[0]).toBe('opencx-sync[bot]|chore(opencx-sync): update state after apply [skip ci]');
      const state = JSON.parse(execFileSync('git', ['show', 'main:opencx-sync.state.json'], { cwd: origin, encoding: 'utf8' }));
      expect(Object.keys(state.trainings).sort()).toEqual(['billing/refunds', 'shipping', 'tone']);
      expectNoKey(r.stdout + r.summary + JSON.stringify(state));

      const again = await runAction({ command: 'apply', 'api-key': KEY }, 'push');
      expect(again.outputs['has-changes']).toBe('false');
      expect(again.stdout).toContain('state file unchanged: nothing to commit');
    } finally {
      rmSync(origin, { recursive: true, force: true });
    }
  });

  it('the committed bundle is built from the current sources', () => {
    const fresh = path.join(runner, 'action.js');
    execFileSync(process.execPath, ['scripts/bundle-action.mjs', '--out', fresh], { cwd: ROOT });
    const same = readFileSync(fresh, 'utf8') === readFileSync(path.join(ROOT, 'dist/action.js'), 'utf8');
    expect(same, 'dist/action.js is stale: run "npm run bundle" and commit it').toBe(true);
  });
});
