// The bundled Action run exactly as the runner runs it: INPUT_* variables, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY and a pull-request event, against the sandbox and a local fake of GitHub's REST API.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecord, STRICT } from '../src/sandbox/model.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, ROOT, trainingFile, workspace, type Workspace } from './helpers.js';
import { node24 } from './node24.js';
import { parsePlan } from './plan-json.js';

interface FakeGitHub {
  url: string;
  calls: string[];
  comments: { id: number; body: string; user?: { login: string; type: string }; author_association?: string }[];
  /** What `GET /repos/acme/support/commits/{sha}/pulls` answers, by commit. */
  pulls: Map<string, { number: number; merge_commit_sha: string | null; merged_at: string | null }[]>;
  close(): Promise<void>;
}

/** Just the REST endpoints the Action calls for its comment and the merge's pull request, over real HTTP. */
async function fakeGitHub(): Promise<FakeGitHub> {
  const calls: string[] = [];
  const comments: FakeGitHub['comments'] = [];
  const pulls: FakeGitHub['pulls'] = new Map();
  let nextId = 100;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url?.split('?')[0]}`);
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== 'token gh-token' && req.headers.authorization !== 'Bearer gh-token') return send(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && req.url?.startsWith('/repos/acme/support/issues/7/comments')) return send(200, comments);
      const commit = /^\/repos\/acme\/support\/commits\/(\w+)\/pulls(\?|$)/.exec(req.url ?? '');
      if (req.method === 'GET' && commit) return send(200, pulls.get(commit[1] as string) ?? []);
      if (req.method === 'POST' && req.url === '/repos/acme/support/issues/7/comments') {
        const c = { id: nextId++, body: JSON.parse(body).body as string, user: { login: 'github-actions[bot]', type: 'Bot' }, author_association: 'NONE' };
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
    pulls,
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
    // rateLimit 0: the sandbox has no limit, so the Action need not pace (pacing has tests of its own).
    'opencx-sync.config.json': JSON.stringify({ rateLimit: 0, directories: { Billing: 'dir-billing' } }),
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

  it('with namespace and adopt inputs, the plan comment, summary and plan JSON never hold a key a dashboard training quotes', async () => {
    const made = createRecord('dash-ship', 1, { title: 'Do you ship to Canada?', content: `Old answer, key ${KEY}.`, metadata: { crm: 1 } }, '2025-01-01T00:00:00.000Z', { ...STRICT, defaultDraft: false, typeChangeResetsDraft: true });
    sandbox.state.trainings.set(made.id, made);
    const r = await runAction({ command: 'plan', refresh: 'true', 'api-key': KEY, namespace: 'billing', adopt: 'true', comment: 'true' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ created: '2', adopted: '1' });
    expect(gh.comments[0]?.body).toContain('Old answer, key *');
    expectNoKey(r.stdout);
    for (const text of [r.summary, gh.comments[0]?.body ?? '', readFileSync(r.outputs['plan-json'] as string, 'utf8')]) expect(text).not.toContain(KEY);
    const applied = await runAction({ command: 'apply', 'api-key': KEY, namespace: 'billing', 'require-reviewed-plan': 'false', 'commit-state': 'false' }, 'push');
    expect(applied.code, applied.stdout).toBe(0);
    expect(sandbox.state.trainings.get('dash-ship')?.metadata).toEqual({ crm: 1, managed_by: 'opencx-sync:billing', key: 'shipping' });
    expect(applied.summary).not.toContain(KEY);
  });

  it('the namespace input tags what apply creates, and a bad one stops the step before any request', async () => {
    const bad = await runAction({ command: 'plan', namespace: 'Billing Team' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('input namespace "Billing Team" is not valid');
    expect(sandbox.state.requests).toEqual([]);
    const r = await runAction({ command: 'apply', 'api-key': KEY, namespace: 'billing', 'require-reviewed-plan': 'false', 'commit-state': 'false' }, 'push');
    expect(r.code, r.stdout).toBe(0);
    expect(new Set([...sandbox.state.trainings.values()].map((t) => t.metadata.managed_by))).toEqual(new Set(['opencx-sync:billing']));
    expect(JSON.parse(ws.read('opencx-sync.state.json'))).toMatchObject({ version: 2, namespace: 'billing' });
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

      const r = await runAction({ command: 'apply', 'api-key': KEY, 'require-reviewed-plan': 'false' }, 'push');
      expect(r.code, r.stdout).toBe(0);
      expect(r.outputs).toMatchObject({ 'has-changes': 'true', created: '3', failed: '0' });
      expect(r.summary).toContain('| ✅ created | `shipping` |');
      expect(r.stdout).toContain(`::add-mask::${KEY}`);
      const log = execFileSync('git', ['log', '--format=%an|%s', 'main'], { cwd: origin, encoding: 'utf8' });
      expect(log.split('\n')[0]).toBe('opencx-sync[bot]|chore(opencx-sync): update state after apply [skip ci]');
      const state = JSON.parse(execFileSync('git', ['show', 'main:opencx-sync.state.json'], { cwd: origin, encoding: 'utf8' }));
      expect(Object.keys(state.trainings).sort()).toEqual(['billing/refunds', 'shipping', 'tone']);
      expectNoKey(r.stdout + r.summary + JSON.stringify(state));

      const again = await runAction({ command: 'apply', 'api-key': KEY, 'require-reviewed-plan': 'false' }, 'push');
      expect(again.outputs['has-changes']).toBe('false');
      expect(again.stdout).toContain('state file unchanged: nothing to commit');
    } finally {
      rmSync(origin, { recursive: true, force: true });
    }
  });

  describe('apply on merge applies only the reviewed plan', () => {
    const writes = () => sandbox.state.requests.filter((r) => r.method !== 'GET');
    const merged = () => gh.pulls.set('def456', [{ number: 7, merge_commit_sha: 'def456', merged_at: '2026-11-24T10:00:00Z' }]);

    it('the plan comment carries the fingerprint of the plan; an equal plan on merge applies', async () => {
      const reviewed = await runAction({ command: 'plan' });
      expect(reviewed.code, reviewed.stdout).toBe(0);
      const fingerprint = JSON.parse(readFileSync(reviewed.outputs['plan-json'] as string, 'utf8')).fingerprint as string;
      expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(gh.comments[0]?.body).toContain(`<!-- opencx-sync:fingerprint=${fingerprint} -->`);
      merged();

      const r = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push');
      expect(r.code, r.stdout).toBe(0);
      expect(r.outputs).toMatchObject({ created: '3', failed: '0' });
      expect(sandbox.state.trainings.size).toBe(3);
      expect(r.stdout).toContain('the plan equals the one reviewed on pull request #7');
      expect(gh.calls).toContain('GET /repos/acme/support/commits/def456/pulls');
      expect(gh.comments).toHaveLength(1);
    });

    it('an edit and a deleted file, planned offline on the pull request, equal the refreshed plan on merge', async () => {
      expect((await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false', 'require-reviewed-plan': 'false' }, 'push')).code).toBe(0);
      ws.write('trainings/tone.md', trainingFile('Keep it short', 'Two paragraphs at most.', { type: 'BEHAVIORAL' }));
      rmSync(path.join(ws.dir, 'trainings/shipping.md'));
      // The same prune on both steps: it decides whether the plan deletes.
      const reviewed = await runAction({ command: 'plan', prune: 'true' });
      expect(reviewed.summary).toContain('**0** to create, **1** to update, **0** to move, **1** to delete');
      merged();
      const before = writes().length;

      const r = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false', prune: 'true' }, 'push');
      expect(r.code, r.stdout).toBe(0);
      expect(r.outputs).toMatchObject({ updated: '1', deleted: '1', failed: '0' });
      expect(writes().length).toBeGreaterThan(before);
    });

    it('a merge whose plan differs from the reviewed comment is refused, nothing sent, and the new plan posted', async () => {
      expect((await runAction({ command: 'plan' })).code).toBe(0);
      merged();
      // Merged with a file the reviewed plan never saw (a later push whose plan job did not run).
      ws.write('trainings/returns.md', trainingFile('Can I return an opened item?', 'Yes, within 14 days.'));

      const r = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push');
      expect(r.code).toBe(1);
      expect(writes()).toEqual([]);
      expect(sandbox.state.trainings.size).toBe(0);
      expect(r.stdout).toContain('::error::refused: the plan for commit def456 differs from the plan reviewed on pull request #7');
      expect(r.summary).toContain('### opencx-sync apply refused');
      expect(r.summary).toContain('**4** to create');
      expect(r.summary).toContain('require-reviewed-plan: false');
      expect(gh.comments).toHaveLength(2);
      const posted = gh.comments[1]?.body ?? '';
      expect(posted).toContain('This is what would have been applied; it differs from the reviewed plan');
      expect(posted).toContain('`returns`');
      expect(posted).not.toContain('<!-- opencx-sync:plan -->');

      // A re-run updates that comment rather than adding another.
      expect((await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push')).code).toBe(1);
      expect(gh.comments).toHaveLength(2);
    });

    it('a dashboard training the offline reviewed plan could not see: the merge is refused, no duplicate; reviewed with refresh, it is adopted', async () => {
      const made = createRecord('dash-ship', 1, { title: 'Do you ship to Canada?', content: 'Old answer.', metadata: { crm: 1 } }, '2025-01-01T00:00:00.000Z', { ...STRICT, defaultDraft: false, typeChangeResetsDraft: true });
      sandbox.state.trainings.set(made.id, made);
      expect((await runAction({ command: 'plan' })).code).toBe(0);
      merged();
      const refused = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push');
      expect(refused.code).toBe(1);
      expect(writes()).toEqual([]);
      expect(refused.summary).toContain('**2** to create, **1** to adopt');

      const reviewed = await runAction({ command: 'plan', refresh: 'true', 'api-key': KEY });
      expect(reviewed.outputs).toMatchObject({ created: '2', adopted: '1' });
      const r = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push');
      expect(r.code, r.stdout).toBe(0);
      expect(r.outputs).toMatchObject({ created: '2', adopted: '1', failed: '0' });
      expect(sandbox.state.trainings.size).toBe(3);
      expect(sandbox.state.trainings.get('dash-ship')?.metadata).toEqual({ crm: 1, managed_by: 'opencx-sync', key: 'shipping' });
    });

    it('a direct push (no pull request) is refused and says how to override; the override applies', async () => {
      const r = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push');
      expect(r.code).toBe(1);
      expect(writes()).toEqual([]);
      expect(r.stdout).toContain('::error::refused: no merged pull request has commit def456 (a direct push?)');
      expect(r.summary).toContain('require-reviewed-plan: false');
      expect(gh.comments).toEqual([]);

      const forced = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false', 'require-reviewed-plan': 'false' }, 'push');
      expect(forced.code, forced.stdout).toBe(0);
      expect(sandbox.state.trainings.size).toBe(3);
    });

    it('a pull request without a plan comment is refused; an outsider\'s comment with the markers does not count', async () => {
      const plan = await runAction({ command: 'plan' });
      const fingerprint = JSON.parse(readFileSync(plan.outputs['plan-json'] as string, 'utf8')).fingerprint as string;
      gh.comments.length = 0;
      gh.comments.push({ id: 1, body: `<!-- opencx-sync:plan -->\n<!-- opencx-sync:fingerprint=${fingerprint} -->`, user: { login: 'mallory', type: 'User' }, author_association: 'CONTRIBUTOR' });
      merged();
      const r = await runAction({ command: 'apply', 'api-key': KEY, 'commit-state': 'false' }, 'push');
      expect(r.code).toBe(1);
      expect(writes()).toEqual([]);
      expect(r.stdout).toContain('::error::refused: pull request #7 has no opencx-sync plan comment with a fingerprint');
    });
  });

  it('the committed bundle is built from the current sources', () => {
    const fresh = path.join(runner, 'action.js');
    execFileSync(process.execPath, ['scripts/bundle-action.mjs', '--out', fresh], { cwd: ROOT });
    const same = readFileSync(fresh, 'utf8') === readFileSync(path.join(ROOT, 'dist/action.js'), 'utf8');
    expect(same, 'dist/action.js is stale: run "npm run bundle" and commit it').toBe(true);
  });
});
