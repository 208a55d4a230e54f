// The CLI against a sandbox on port 0, over real HTTP: in process (same entry, same output and exit
// code), and as a child process for what only a real process shows (a usage error's exit status).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { parsePlan } from './plan-json.js';
import { runInProcess } from './run-in-process.js';

let sandbox: Sandbox;
let ws: Workspace;
const outputs: string[] = [];

const config = {
  // The sandbox has no rate limit, so the client need not pace (pacing has tests of its own).
  rateLimit: 0,
  directories: { Billing: 'dir-billing', Product: 'dir-product' },
  segments: { VIP: '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' },
};

async function cli(...args: string[]) {
  const r = await runInProcess(args, { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY } });
  outputs.push(r.stdout, r.stderr);
  return r;
}
const requests = () => sandbox.state.requests.map((r) => `${r.method} ${r.path}`);
const managed = () => [...sandbox.state.trainings.values()].filter((t) => t.metadata.managed_by === 'opencx-sync');

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  ws = workspace({
    'opencx-sync.config.json': JSON.stringify(config),
    'trainings/billing/refunds.md': trainingFile('How do I get a refund?', 'Within 30 days.', { directory: 'Billing', channels: ['web', 'email'] }),
    'trainings/vip.md': trainingFile('Loyalty discount?', 'VIPs get 15%.', { segments: ['VIP'], draft: true }),
    'trainings/tone.md': '---\ntype: BEHAVIORAL\n---\n# Keep answers short\n\nAt most three paragraphs.\n',
  });
});
afterEach(async () => {
  await sandbox.close();
  ws.cleanup();
  for (const o of outputs) expect(o).not.toContain(KEY);
});

describe('apply and plan', () => {
  it('first apply creates everything with exactly the right fields; then nothing is left to do', async () => {
    const first = await cli('apply', '--yes');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Apply: 3 created, 0 updated, 0 moved, 0 deleted, 0 failed.');
    const byKey = Object.fromEntries(managed().map((t) => [t.metadata.key, t]));
    expect(byKey['billing/refunds']).toMatchObject({
      title: 'How do I get a refund?', content: 'Within 30 days.', type: 'SCENARIO_SPECIFIC', is_draft: false,
      directory_id: 'dir-billing', restricted_to_channels: ['email', 'web'], restricted_to_segments: [],
      metadata: { managed_by: 'opencx-sync', key: 'billing/refunds' }, current_version: 1,
    });
    expect(byKey.vip).toMatchObject({ is_draft: true, restricted_to_segments: ['0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34'], current_version: null });
    expect(byKey.tone).toMatchObject({ title: 'Keep answers short', content: 'At most three paragraphs.', type: 'BEHAVIORAL' });
    expect(requests().filter((r) => r.startsWith('POST'))).toHaveLength(3);

    const state = JSON.parse(ws.read('opencx-sync.state.json'));
    expect(Object.keys(state.trainings)).toEqual(['billing/refunds', 'tone', 'vip']);
    expect(state).toMatchObject({ version: 1, serial: 1, pending: {} });
    expect(state.trainings.tone.id).toBe(byKey.tone?.id);

    const before = sandbox.state.requests.length;
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    expect(sandbox.state.requests.length).toBe(before);
    const again = await cli('apply', '--yes');
    expect(again.stdout).toContain('Apply: 0 created, 0 updated, 0 moved, 0 deleted, 0 failed. 3 unchanged.');
    expect(requests().slice(before)).toEqual(['GET /training']);
    await cli('apply', '--yes', '--no-refresh');
    expect(requests().slice(before)).toEqual(['GET /training']);
  });

  it('editing one file sends exactly one PUT and shows the change in the plan', async () => {
    await cli('apply', '--yes');
    ws.write('trainings/billing/refunds.md', trainingFile('How do I get a refund?', 'Within 60 days.', { directory: 'Billing', channels: ['email', 'web'] }));
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ update billing/refunds');
    expect(plan.stdout).toContain('- Within 30 days.');
    expect(plan.stdout).toContain('+ Within 60 days.');
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to update, 0 to move, 0 to delete.');
    sandbox.state.requests.length = 0;
    const r = await cli('apply', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(requests().filter((x) => !x.startsWith('GET'))).toEqual([`PUT /training/${managed().find((t) => t.metadata.key === 'billing/refunds')?.id}`]);
    expect(managed().find((t) => t.metadata.key === 'billing/refunds')?.content).toBe('Within 60 days.');
  });

  it('a type change, which resets the draft state in Open.cx, is re-published', async () => {
    await cli('apply', '--yes');
    ws.write('trainings/billing/refunds.md', trainingFile('How do I get a refund?', 'Within 30 days.', { directory: 'Billing', channels: ['web', 'email'], type: 'BEHAVIORAL' }));
    sandbox.state.requests.length = 0;
    const r = await cli('apply', '--yes');
    expect(r.code, r.stdout).toBe(0);
    const t = managed().find((x) => x.metadata.key === 'billing/refunds');
    expect(t).toMatchObject({ type: 'BEHAVIORAL', is_draft: false, current_version: 1 });
    expect(requests().filter((x) => !x.startsWith('GET'))).toEqual([`PUT /training/${t?.id}`, `PUT /training/${t?.id}/draft`]);
    expect((await cli('plan', '--refresh', '--detailed-exitcode')).code).toBe(0);
  });

  it('reformatting YAML or reordering keys is not a change', async () => {
    await cli('apply', '--yes');
    ws.write('trainings/billing/refunds.md', '---\r\nchannels:\r\n  - email\r\n  - web\r\ndirectory: Billing\r\ntitle: "How do I get a refund?"\r\n---\r\n\r\nWithin 30 days.\r\n\r\n');
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('a renamed file is a move: no create, no delete, same remote training', async () => {
    await cli('apply', '--yes');
    const id = managed().find((t) => t.metadata.key === 'vip')?.id;
    ws.write('trainings/offers/vip.md', ws.read('trainings/vip.md'));
    ws.remove('trainings/vip.md');
    const plan = await cli('plan', '--json');
    const json = parsePlan(plan.stdout);
    expect(json.changes).toMatchObject([{ action: 'move', reason: 'renamed', key: 'offers/vip', path: 'trainings/offers/vip.md', id, from: { key: 'vip', path: 'trainings/vip.md' }, changed: [] }]);
    expect(json.changes[0]?.before).toEqual(json.changes[0]?.after);
    expect(json.summary).toEqual({ create: 0, adopt: 0, update: 0, retag: 0, move: 1, delete: 0, unchanged: 2 });
    sandbox.state.requests.length = 0;
    expect((await cli('apply', '--yes', '--prune')).code).toBe(0);
    expect(requests().filter((r) => r.startsWith('POST') || r.startsWith('DELETE'))).toEqual([]);
    expect(sandbox.state.trainings.get(id!)?.metadata).toEqual({ managed_by: 'opencx-sync', key: 'offers/vip' });
    expect(sandbox.state.trainings.size).toBe(3);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('--prune deletes only trainings in the state file, never ones made by hand', async () => {
    await cli('apply', '--yes');
    const res = await fetch(`${sandbox.url}/training`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Made in the dashboard', content: 'By a person.', is_draft: false }),
    });
    const handMade = (await res.json()) as { id: string };
    ws.remove('trainings/tone.md');
    const kept = await cli('apply', '--yes');
    expect(kept.stdout).toContain('1 training whose file is gone was kept; pass --prune to delete them.');
    expect(sandbox.state.trainings.size).toBe(4);
    const pruned = await cli('apply', '--yes', '--prune');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('1 deleted');
    expect(sandbox.state.trainings.has(handMade.id)).toBe(true);
    expect(managed().map((t) => t.metadata.key).sort()).toEqual(['billing/refunds', 'vip']);
  });

  it('an ignored file is left alone: not validated, not updated, not pruned', async () => {
    await cli('apply', '--yes');
    ws.write('opencx-sync.config.json', JSON.stringify({ ...config, ignore: ['tone.md', 'notes/**'] }));
    ws.write('trainings/tone.md', 'not even front-matter: ---\n');
    ws.write('trainings/notes/todo.md', '---\nbogus: true\n---\n');
    expect((await cli('validate')).stdout).toBe('2 files valid.\n');
    const r = await cli('apply', '--yes', '--prune');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Apply: 0 created, 0 updated, 0 moved, 0 deleted, 0 failed. 2 unchanged.');
    expect(managed().map((t) => t.metadata.key).sort()).toEqual(['billing/refunds', 'tone', 'vip']);
  });

  it('a broken file blocks apply with zero requests and names file, line and fix', async () => {
    ws.write('trainings/bad.md', '---\ntitle: Broken\nis_draft: true\nchannels: [web, fax]\n---\nBody\n');
    ws.write('trainings/empty.md', '---\ntitle: Empty\n---\n');
    const r = await cli('apply', '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('trainings/bad.md:3:1: unknown key "is_draft": did you mean "draft"?');
    expect(r.stderr).toContain('trainings/bad.md:4:17: channels[1]: "fax" is not allowed');
    expect(r.stderr).toContain('trainings/empty.md:4:1: the body is empty');
    expect(r.stderr).toContain('3 errors in 2 of 5 files. Fix them and run again; nothing was sent to Open.cx.');
    expect(sandbox.state.requests).toEqual([]);
  });

  it('guards deletes: --max-deletes and an empty folder stop the run before any request', async () => {
    await cli('apply', '--yes');
    sandbox.state.requests.length = 0;
    ws.remove('trainings/tone.md');
    ws.remove('trainings/vip.md');
    const tooMany = await cli('apply', '--yes', '--prune', '--max-deletes', '1');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('the plan deletes 2 trainings, more than --max-deletes 1');
    ws.remove('trainings/billing/refunds.md');
    const empty = await cli('apply', '--yes', '--prune');
    expect(empty.stderr).toContain('the trainings folder has no trainings');
    expect(sandbox.state.requests).toEqual([]);
  });

  it('one training rejected by the API does not stop the others', async () => {
    ws.write('opencx-sync.config.json', JSON.stringify({ rateLimit: 0 }));
    ws.write('trainings/billing/refunds.md', trainingFile('Refund?', 'Body', { directory: 'no-such-directory' }));
    ws.write('trainings/vip.md', trainingFile('VIP?', 'Body'));
    const r = await cli('apply', '--yes');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('x failed  billing/refunds (trainings/billing/refunds.md): POST /training failed: 400 directory_id no-such-directory does not exist');
    expect(r.stdout).toContain('Apply: 2 created, 0 updated, 0 moved, 0 deleted, 1 failed.');
    const state = JSON.parse(ws.read('opencx-sync.state.json'));
    expect(Object.keys(state.trainings).sort()).toEqual(['tone', 'vip']);
    expect(state.pending).toEqual({});
  });

  it('apply --json reports every outcome', async () => {
    const r = await cli('apply', '--yes', '--json');
    const json = JSON.parse(r.stdout);
    expect(json.summary).toEqual({ created: 3, adopted: 0, updated: 0, moved: 0, deleted: 0, failed: 0, skipped: 0, unchanged: 0 });
    expect(json.outcomes.map((o: { status: string; key: string }) => `${o.status} ${o.key}`).sort()).toEqual(['created billing/refunds', 'created tone', 'created vip']);
  });
});

describe('validate', () => {
  it('is offline, needs no key, and speaks text, JSON and GitHub annotations', async () => {
    ws.write('trainings/bad.md', '---\ntitle: Bad\ntype: NOPE\n---\nB\n');
    const text = await runInProcess(['validate'], { cwd: ws.dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('trainings/bad.md:3:7: type: "NOPE" is not allowed');
    const gh = await runInProcess(['validate', '--format', 'github'], { cwd: ws.dir });
    expect(gh.stdout).toBe('::error file=trainings/bad.md,line=3,col=7::type: "NOPE" is not allowed; use one of: SCENARIO_SPECIFIC, BEHAVIORAL\n');
    const json = JSON.parse((await runInProcess(['validate', '--format', 'json'], { cwd: ws.dir })).stdout);
    expect(json).toMatchObject({ format_version: 1, valid: false, files: 4, issues: [{ file: 'trainings/bad.md', line: 3, col: 7, severity: 'error' }] });
    ws.remove('trainings/bad.md');
    expect((await runInProcess(['validate'], { cwd: ws.dir })).stdout).toBe('3 files valid.\n');
    expect(sandbox.state.requests).toEqual([]);
  });

  it('reads a !!js/function tag as the text it tags, never as code (the bundle carries no esprima)', async () => {
    ws.write('trainings/fn.md', "---\ntitle: !!js/function 'function () { return 1 }'\n---\nBody.\n");
    const r = await runCli(['plan', '--json'], { cwd: ws.dir });
    expect(r.code).toBe(0);
    expect(parsePlan(r.stdout).changes.find((c) => c.key === 'fn')?.after?.title).toBe('function () { return 1 }');
  });

  it('answers bad usage with the problem and where to look, exit 1', async () => {
    const r = await runCli(['apply', '--yes', '--on-drift', 'maybe'], { cwd: ws.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Argument: on-drift, Given: "maybe", Choices: "fail", "skip", "overwrite"');
    expect(r.stderr).toContain('Run "opencx-sync --help" for usage.');
    expect((await runCli(['bogus'], { cwd: ws.dir })).stderr).toMatch(/^unknown command "bogus": name one of validate, plan/);
  });

  it('explains a missing key, a wrong key and an unsafe URL', async () => {
    const noKey = await runInProcess(['apply', '--yes'], { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url } });
    expect(noKey.stderr).toContain('OPENCX_API_KEY is not set');
    const noKeyJson = await runInProcess(['plan', '--refresh', '--json'], { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url } });
    expect(JSON.parse(noKeyJson.stdout)).toEqual({
      format_version: 2,
      command: 'plan',
      error: { kind: 'user', message: expect.stringContaining('OPENCX_API_KEY is not set'), exit_code: 1 },
    });
    const wrong = await runInProcess(['apply', '--yes'], { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: 'wrong-key-123' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('401 Unauthorized (the API key is missing or wrong: set OPENCX_API_KEY)');
    expect(wrong.stderr).not.toContain('wrong-key-123');
    const http = await runInProcess(['plan', '--refresh'], { cwd: ws.dir, env: { OPENCX_API_URL: 'http://api.example.com', OPENCX_API_KEY: KEY } });
    expect(http.stderr).toContain('must use https://');
    outputs.push(noKey.stderr, wrong.stderr, http.stderr);
  });
});

describe('a key without write access', () => {
  it('fails on the first 403 with a hint and does not hammer the API with the rest', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ port: 0, apiKey: 'admin-key', readOnlyKey: KEY, rateLimit: 0 });
    for (let i = 0; i < 12; i++) ws.write(`trainings/extra-${i}.md`, trainingFile(`Extra ${i}?`, 'Body'));
    const r = await cli('apply', '--yes', '--concurrency', '1');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('POST /training failed: 403 Forbidden resource (the API key lacks the training:write scope: create a key with it in Settings > Access)');
    expect(r.stdout).toContain('Apply: 0 created, 0 updated, 0 moved, 0 deleted, 1 failed, 14 skipped.');
    expect(r.stdout).toContain('not attempted: the API refused the key (403)');
    expect(requests().filter((x) => x.startsWith('POST'))).toHaveLength(1);
  });
});
