// `opencx-sync import` as a child process: its JSON, its summary, config names in the files, exit codes.
// The runs around the imports (validate, plan, apply, a second import) go in process.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecord, STRICT } from '../src/sandbox/model.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, runCli, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let sandbox: Sandbox;
let ws: Workspace;
const outputs: string[] = [];

async function cli(...args: string[]) {
  const r = await runCli(args, { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY } });
  outputs.push(r.stdout, r.stderr);
  return r;
}
async function inProcess(...args: string[]) {
  const r = await runInProcess(args, { cwd: ws.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY } });
  outputs.push(r.stdout, r.stderr);
  return r;
}

const behaviour = { ...STRICT, defaultDraft: false, typeChangeResetsDraft: true };

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  ws = workspace({ 'opencx-sync.config.json': JSON.stringify({ rateLimit: 0, directories: { Billing: 'dir-billing' }, segments: { VIP: '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' } }) });
  const seed = (id: string, title: string, over: object = {}) =>
    sandbox.state.trainings.set(id, createRecord(id, sandbox.state.trainings.size + 1, { title, content: `About ${title}.`, ...over }, '2025-01-01T00:00:00.000Z', behaviour));
  seed('d1', 'How do I get a refund?', { directory_id: 'dir-billing', restricted_to_segments: ['0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34'], start_time: '2026-01-01T00:00:00Z' });
  seed('d2', 'Be brief', { type: 'BEHAVIORAL', restricted_to_channels: ['web'] });
});
afterEach(async () => {
  await sandbox.close();
  ws.cleanup();
  for (const o of outputs) expect(o).not.toContain(KEY);
});

describe('opencx-sync import', () => {
  it('--dry-run --json reports the files and writes none; then import writes them with config names', async () => {
    const dry = await cli('import', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const json = JSON.parse(dry.stdout) as { format_version: number; dry_run: boolean; files: { path: string; id: string }[]; summary: Record<string, number> };
    expect(json).toMatchObject({ format_version: 1, dry_run: true, summary: { trainings: 2, written: 0, to_write: 2, left: 0 } });
    expect(json.files.map((f) => `${f.path} ${f.id}`)).toEqual(['trainings/billing/how-do-i-get-a-refund.md d1', 'trainings/be-brief.md d2']);
    expect((await inProcess('validate')).stdout).toContain('0 files valid');

    const wrote = await cli('import');
    expect(wrote.code).toBe(0);
    expect(wrote.stdout).toContain('Import: wrote 2 files for 2 trainings in Open.cx.');
    expect(wrote.stdout).toContain('Review and commit them (git add trainings && git commit). Then "opencx-sync plan --refresh" shows 2 adopts');
    expect(ws.read('trainings/billing/how-do-i-get-a-refund.md')).toBe(
      '---\ntitle: "How do I get a refund?"\nid: "d1"\ndirectory: "Billing"\nsegments: ["VIP"]\nactive:\n  from: "2026-01-01T00:00:00.000Z"\n---\nAbout How do I get a refund?.\n',
    );
    const plan = await inProcess('plan', '--refresh', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Plan: 0 to create, 2 to adopt, 0 to update');
    expect((await inProcess('apply', '--yes')).stdout).toContain('Apply: 0 created, 2 adopted');
    expect((await inProcess('plan', '--refresh', '--detailed-exitcode')).code).toBe(0);
    expect(sandbox.state.trainings.get('d1')?.start_time).toBe('2026-01-01T00:00:00Z');
    const again = await inProcess('import');
    expect(again.stdout).toContain('Nothing to import: every one of the 2 trainings in Open.cx is tracked by a file or left alone.');
  });

  it('a training in a directory the config does not map: import writes nothing and gives the snippet; with it, plan --refresh shows only adopts', async () => {
    sandbox.state.trainings.set('d3', createRecord('d3', 3, { title: 'Where is my parcel?', content: 'Track it.', directory_id: 'dir-support' }, '2025-01-01T00:00:00.000Z', behaviour));
    for (const args of [['import'], ['import', '--dry-run']]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('1 training in Open.cx sits in a directory "directories" in the config does not map: dir-support (Where is my parcel?)');
      expect(r.stderr).toContain('"directories": { "Billing": "dir-billing", "dir-support": "dir-support" }');
      expect(r.stderr).toContain('Nothing was written');
    }
    expect(readdirSync(path.join(ws.dir, 'trainings'))).toEqual([]);

    ws.write('opencx-sync.config.json', JSON.stringify({ rateLimit: 0, directories: { Billing: 'dir-billing', Support: 'dir-support' }, segments: { VIP: '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' } }));
    expect((await cli('import')).code).toBe(0);
    expect(ws.read('trainings/support/where-is-my-parcel.md')).toContain('directory: "Support"');
    const plan = await cli('plan', '--refresh', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const actions = (JSON.parse(plan.stdout) as { changes: { action: string }[] }).changes.map((c) => c.action);
    expect(actions).toEqual(['adopt', 'adopt', 'adopt']);
  });

  it('an invalid file stops the import before anything is written, exit 1', async () => {
    ws.write('trainings/bad.md', '---\ntitle: T\nactive:\n  from: tomorrow\n---\nB\n');
    const r = await cli('import');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 training file has errors ("opencx-sync validate" shows them)');
    expect((await inProcess('validate')).stdout).toContain('trainings/bad.md:4:9');
  });
});
