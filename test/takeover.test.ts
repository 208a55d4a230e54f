// Taking over a live organisation, end to end in process against the sandbox: import writes files for
// trainings made in the dashboard, plan shows only adoptions, apply tags them and changes nothing else;
// hand-written files adopt by trigger phrase; every PUT keeps what the files do not own.
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport, runPlan } from '../src/engine.js';
import { toPublicPlan } from '../src/core/plan-contract.js';
import { MANAGED_BY } from '../src/core/training.js';
import { writePlanFile, readPlanFile } from '../src/io/plan-file.js';
import { planToJson } from '../src/render/report.js';
import { createRecord, STRICT, updateRecord, type TrainingRecord } from '../src/sandbox/model.js';
import { DEFAULT_SEGMENTS } from '../src/sandbox/server.js';
import { KEY, trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';

let env: InProcess | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const behaviour = { ...STRICT, defaultDraft: true, typeChangeResetsDraft: true };
const VIP = DEFAULT_SEGMENTS[0]?.id as string;
const TRIAL = DEFAULT_SEGMENTS[1]?.id as string;

/** Text people type in a dashboard that a file must still hold exactly. */
const AWKWARD_TITLES = [
  'What\'s "this": a #hash, a - dash?',
  '- starts like a YAML list',
  '[starts like a flow list] & {a map}',
  'Émojis 🎉 and ümlauts',
  '  indented? no: titles are trimmed in the dashboard too',
  'yes',
  '123',
  'null',
  'line one\\nescaped',
];
const AWKWARD_BODIES = [
  '# A heading first, but the title is in the front-matter\nText.',
  'Before\n---\nAfter a rule that looks like front-matter',
  '    indented code on the first line\nthen text',
  'Tabs\tinside\tand "quotes" and \'apostrophes\'',
  'Unicode: ü, 中文, 🎉, \u2028 a line separator',
  'Trailing spaces inside a line   \nbut none at the end',
  // Text only the quoted front-matter form holds exactly.
  '\n\nStarts with blank lines',
  'Ends with spaces and a blank line  \n',
  'Windows line ends\r\nfrom a pasted document\r\n',
];

/** A training as a person makes it in the dashboard, straight into the sandbox's records. */
function seed(e: InProcess, i: number): TrainingRecord {
  const state = e.sandbox.state;
  const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString();
  const awkwardTitle = i % 29 === 0 ? AWKWARD_TITLES[(i / 29) % AWKWARD_TITLES.length] : undefined;
  const title = awkwardTitle ? `${awkwardTitle.trim()} ${i}` : i % 17 === 0 && i > 0 ? `How do I do task ${i - 1}?` : `How do I do task ${i}?`;
  const content = i % 23 === 0 ? (AWKWARD_BODIES[(i / 23) % AWKWARD_BODIES.length] as string) : `Step one for ${i}.\n\nStep two.`;
  const input = {
    title,
    content,
    type: i % 2 ? ('BEHAVIORAL' as const) : ('SCENARIO_SPECIFIC' as const),
    is_draft: i % 5 === 0,
    directory_id: [null, 'dir-billing', 'dir-product'][i % 3] ?? null,
    restricted_to_channels: ([[], ['web'], ['email', 'web'], ['whatsapp']] as const)[i % 4]?.slice() ?? [],
    restricted_to_segments: [[], [VIP], [TRIAL, VIP]][i % 6 === 0 ? 1 : i % 6 === 1 ? 2 : 0] ?? [],
    metadata: i % 4 === 0 ? { zendesk_id: i, source: { tool: 'helpdesk', tags: ['a', 'b'] } } : {},
    start_time: i % 7 === 0 ? '2026-03-01T10:00:00+02:00' : i % 7 === 1 ? '2026-01-01T00:00:00.123456Z' : null,
    end_time: i % 7 === 0 ? '2026-04-01T00:00:00Z' : null,
  };
  let r = createRecord(`dash-${String(i).padStart(3, '0')}`, i + 1, input, at, behaviour);
  // Published, then edited as a draft in the dashboard: the edits wait, the published text stays live.
  if (i % 11 === 3) r = updateRecord({ ...r, is_draft: false, current_version: 1, published_at: at }, { ...input, title: `${title} (edited)`, content: `${content}\nA pending edit.`, is_draft: true }, at, behaviour);
  state.trainings.set(r.id, r);
  return r;
}

/** Everything a person sees of a training, and every metadata key but ours. */
function visible(r: TrainingRecord) {
  const { updated_at: _u, seq: _s, metadata, ...rest } = r;
  const { managed_by: _m, key: _k, ...foreign } = metadata;
  return JSON.stringify({ ...rest, foreign });
}

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));

describe('import, then adopt: 300 trainings made in the dashboard', () => {
  it('import writes 300 files; plan shows 300 adopts and nothing else; apply changes no visible field; plan is then empty', async () => {
    env = await inProcess({});
    const e = env;
    for (let i = 0; i < 300; i++) seed(e, i);
    const before = new Map(e.records().map((r) => [r.id, visible(r)]));
    const pendingIds = e.records().filter((r) => r.draft_title !== null).map((r) => r.id).sort();
    expect(pendingIds.length).toBeGreaterThan(20);

    const imported = await runImport(e.config, { dryRun: false, force: false });
    expect(imported.files).toHaveLength(300);
    const notes = imported.files.flatMap((f) => f.notes.filter((n) => !n.startsWith('has edits made in the dashboard')));
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.filter((n) => !n.includes('written as a quoted "content:" in the front-matter instead'))).toEqual([]);
    expect(imported.files.filter((f) => f.pendingEdits).map((f) => f.id).sort()).toEqual(pendingIds);
    expect(walk(path.join(e.ws.dir, 'trainings'))).toHaveLength(300);
    expect(e.writes()).toEqual([]);

    const planned = await e.plan();
    expect(planned.loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const pub = toPublicPlan(planned.plan!, { dir: 'trainings' });
    expect(pub.summary).toEqual({ create: 0, adopt: 300, update: 0, retag: 0, move: 0, delete: 0, unchanged: 0 });
    // Exact: not one field differs between a file and its training.
    expect(pub.changes.filter((c) => c.changed.length > 0)).toEqual([]);
    expect(new Set(pub.changes.map((c) => c.reason))).toEqual(new Set(['pinned id']));

    const applied = await e.apply();
    expect(applied.outcomes.filter((o) => o.status !== 'adopted')).toEqual([]);
    expect(e.writes().filter((w) => !w.startsWith('PUT /training/'))).toEqual([]);
    const after = await e.plan();
    expect(after.plan?.changes).toEqual([]);
    expect(after.plan?.drift).toEqual([]);

    expect(e.sandbox.state.trainings.size).toBe(300);
    for (const r of e.records()) {
      expect(visible(r), r.id).toBe(before.get(r.id));
      expect(r.metadata).toMatchObject({ managed_by: MANAGED_BY });
    }
    // A second import finds every training tracked.
    expect((await runImport(e.config, { dryRun: true, force: false })).files).toEqual([]);
  }, 60_000);

  it('--dry-run writes nothing; a training another tool tagged is left alone; paths are stable and collision-free', async () => {
    env = await inProcess({ 'trainings/how-do-i-reset.md': trainingFile('Something else entirely', 'Mine.') });
    const e = env;
    const put = (id: string, title: string, metadata: Record<string, unknown> = {}, directory_id: string | null = null) =>
      e.sandbox.state.trainings.set(id, createRecord(id, e.sandbox.state.trainings.size + 1, { title, content: 'Body.', metadata, directory_id, is_draft: false }, '2025-01-01T00:00:00.000Z', behaviour));
    put('d1', 'How do I reset?');
    put('d2', 'How do I reset?');
    put('d3', 'Refunds', {}, 'dir-billing');
    put('k1', 'Theirs', { managed_by: 'kb-sync' });
    const dry = await runImport(e.config, { dryRun: true, force: false });
    expect(dry.files.map((f) => `${f.path} ${f.id}`)).toEqual(['how-do-i-reset-2.md d1', 'how-do-i-reset-3.md d2', 'dir-billing/refunds.md d3']);
    expect(dry.left).toEqual([expect.objectContaining({ id: 'k1', why: expect.stringContaining('tagged by another tool') })]);
    expect(walk(path.join(e.ws.dir, 'trainings'))).toHaveLength(1);
    await runImport(e.config, { dryRun: false, force: false });
    expect(e.ws.read('trainings/dir-billing/refunds.md')).toBe('---\ntitle: "Refunds"\nid: "d3"\ndirectory: "dir-billing"\n---\nBody.\n');
    expect(e.ws.read('trainings/how-do-i-reset.md')).toContain('Mine.');
  });

  it('never writes the API key into a file: a training holding it (pasted in the dashboard, or echoed by a server) is left, named without it', async () => {
    env = await inProcess({});
    const e = env;
    e.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: `Leak ${KEY}?`, content: 'Body.', is_draft: false }, '2025-01-01T00:00:00.000Z', behaviour));
    e.sandbox.state.trainings.set('d2', createRecord('d2', 2, { title: 'Setup?', content: `Use the key ${KEY} here.`, is_draft: false }, '2025-01-01T00:01:00.000Z', behaviour));
    e.sandbox.state.trainings.set('d3', createRecord('d3', 3, { title: 'Clean?', content: 'Body.', is_draft: false }, '2025-01-01T00:02:00.000Z', behaviour));
    const warned: string[] = [];
    const r = await runImport(e.config, { dryRun: false, force: false }, { warn: (l) => warned.push(l) });
    expect(r.files.map((f) => f.id)).toEqual(['d3']);
    expect(warned.map((w) => w.split(':')[0])).toEqual(['training d1 (Leak ***?)', 'training d2 (Setup?)']);
    expect(warned.join('\n')).not.toContain(KEY);
    expect(r.left.map((l) => l.id)).toEqual(['d1', 'd2']);
    expect(r.left[0]?.why).toMatch(/holds the API key[^\n]*not written/);
    expect(JSON.stringify(r)).not.toContain(KEY);
    for (const f of walk(path.join(e.ws.dir, 'trainings'))) expect(readFileSync(f, 'utf8') + f).not.toContain(KEY);
  });

  it('plan and apply never print the key a training in Open.cx holds (a diff quotes its old content)', async () => {
    const { runInProcess } = await import('./run-in-process.js');
    env = await inProcess({ 'trainings/setup.md': trainingFile('Setup?', 'Ask support for a key.') });
    const e = env;
    e.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Setup?', content: `Use the key ${KEY} here.`, is_draft: false }, '2025-01-01T00:00:00.000Z', behaviour));
    const run = (args: string[]) => runInProcess([...args, '--rate-limit', '0'], { cwd: e.ws.dir, env: { OPENCX_API_URL: e.sandbox.url, OPENCX_API_KEY: KEY } });
    const plan = await run(['plan', '--refresh']);
    expect(plan.stdout).toContain('- Use the key *');
    const json = await run(['plan', '--refresh', '--json']);
    expect(json.stdout).toContain('Use the key *');
    // The saved plan is shared for review: the key is hidden there too, and it still applies exactly.
    await run(['plan', '--refresh', '--out', 'plan.json']);
    expect(e.ws.read('plan.json')).toContain('Use the key *');
    expect(e.ws.read('plan.json')).not.toContain(KEY);
    const apply = await run(['apply', 'plan.json', '--yes']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(e.sandbox.state.trainings.get('d1')?.content).toBe('Ask support for a key.');
    for (const out of [plan, json, apply]) expect(out.stdout + out.stderr).not.toContain(KEY);
  });

  it('says per training what a file cannot hold exactly', async () => {
    env = await inProcess({});
    const e = env;
    e.sandbox.state.trainings.set('w', createRecord('w', 1, { title: 'Spaces', content: '\n\nBody with trailing spaces   \r\nand CRLF  ' }, '2025-01-01T00:00:00.000Z', behaviour));
    e.sandbox.state.trainings.set('n', createRecord('n', 2, { title: ' Padded title ', content: 'A NUL \0 inside' }, '2025-01-02T00:00:00.000Z', behaviour));
    const r = await runImport(e.config, { dryRun: false, force: false });
    expect(r.files.map((f) => [f.id, f.notes])).toEqual([
      ['w', [expect.stringMatching(/^its content has carriage returns, leading blank lines, trailing spaces or blank lines, which a body cannot hold: written as a quoted "content:"/)]],
      ['n', [
        expect.stringMatching(/^title cannot be written exactly \(leading spaces, trailing spaces or blank lines\): the file holds "Padded title"/),
        expect.stringMatching(/^content cannot be written exactly \(a NUL character\)/),
      ]],
    ]);
    // The quoted form comes back exactly: the plan adopts it with no field to change.
    const pub = toPublicPlan((await e.plan()).plan!, { dir: 'trainings' });
    expect(pub.changes.map((c) => [c.id, c.changed])).toEqual([['n', ['title', 'content']], ['w', []]]);
  });
});

describe('a first apply over hand-written files', () => {
  it('adopts the dashboard trainings with the same trigger phrase and type: zero duplicates', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`trainings/t${i}.md`] = trainingFile(`Question ${i}?`, i % 2 ? `New answer ${i}.` : `Answer ${i}.`);
    files['trainings/brand-new.md'] = trainingFile('Nobody asked this yet?', 'A new one.');
    env = await inProcess(files);
    const e = env;
    for (let i = 0; i < 20; i++) {
      const r = createRecord(`d${i}`, i + 1, { title: `Question ${i}?`, content: `Answer ${i}.`, is_draft: false, metadata: { crm: i }, start_time: '2026-01-01T00:00:00Z' }, '2025-01-01T00:00:00.000Z', behaviour);
      e.sandbox.state.trainings.set(r.id, r);
    }
    const pub = toPublicPlan((await e.plan()).plan!, { dir: 'trainings' });
    expect(pub.summary).toMatchObject({ create: 1, adopt: 20 });
    expect(pub.changes.filter((c) => c.action === 'adopt').every((c) => c.reason === 'same trigger phrase in Open.cx')).toBe(true);
    const r = await e.apply();
    expect(r.outcomes.map((o) => o.status).sort()).toEqual([...Array(20).fill('adopted'), 'created']);
    expect(e.writes().filter((w) => w.startsWith('POST'))).toEqual(['POST /training']);
    expect(e.sandbox.state.trainings.size).toBe(21);
    for (let i = 0; i < 20; i++) {
      const t = e.sandbox.state.trainings.get(`d${i}`);
      expect(t?.metadata).toEqual({ crm: i, managed_by: MANAGED_BY, key: `t${i}` });
      expect(t?.start_time).toBe('2026-01-01T00:00:00Z');
      expect(t?.content).toBe(i % 2 ? `New answer ${i}.` : `Answer ${i}.`);
    }
    expect((await e.plan()).plan?.changes).toEqual([]);
  });

  it('a file with the live title of a training that has pending dashboard edits adopts it, never duplicates the live answer', async () => {
    env = await inProcess({ 'trainings/refund.md': trainingFile('How do I refund?', 'Live answer.') });
    const e = env;
    const live = createRecord('d1', 1, { title: 'How do I refund?', content: 'Live answer.', is_draft: false }, '2025-01-01T00:00:00.000Z', behaviour);
    e.sandbox.state.trainings.set('d1', updateRecord({ ...live, current_version: 1, published_at: live.created_at }, { title: 'How do I get a refund?', content: 'Pending.', is_draft: true }, '2025-01-02T00:00:00.000Z', behaviour));
    expect(e.sandbox.state.trainings.get('d1')).toMatchObject({ title: 'How do I refund?', draft_title: 'How do I get a refund?' });
    const pub = toPublicPlan((await e.plan()).plan!, { dir: 'trainings' });
    expect(pub.changes.map((c) => [c.action, c.id])).toEqual([['adopt', 'd1']]);
    expect((await e.apply()).outcomes.map((o) => o.status)).toEqual(['adopted']);
    expect(e.sandbox.state.trainings.size).toBe(1);
  });

  it('--no-adopt creates as before; an offline saved plan is refused rather than creating a duplicate', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const e = env;
    e.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Question A?', content: 'Old.' }, '2025-01-01T00:00:00.000Z', behaviour));
    const noAdopt = await runPlan(e.config, { prune: false, refresh: true, adopt: false });
    expect(noAdopt.plan?.changes.map((c) => c.action === 'create' && c.adopt)).toEqual([null]);

    const offline = await runPlan(e.config, { prune: false, refresh: false, save: true });
    expect(offline.plan?.changes.map((c) => c.action)).toEqual(['create']);
    const file = path.join(e.ws.dir, 'plan.json');
    await writePlanFile(file, { ...planToJson(offline.plan!, e.config.dir), saved: offline.saved! });
    await expect(e.apply({ saved: { file, from: await readPlanFile(file) } })).rejects.toThrow(/made offline, and Open.cx holds trainings that a would adopt rather than create/);
    // The command it gives makes a plan that reads Open.cx: the same offline command would be refused again.
    await expect(e.apply({ saved: { file, from: await readPlanFile(file) } })).rejects.toThrow(`"opencx-sync plan --refresh --out ${file}"`);
    // Saved with --refresh, the plan shows the adoption, and apply <file> makes exactly it.
    const refreshed = await runPlan(e.config, { prune: false, refresh: true, save: true });
    expect(refreshed.plan?.changes.map((c) => c.action === 'create' && c.adopt)).toEqual(['d1']);
    const file2 = path.join(e.ws.dir, 'plan2.json');
    await writePlanFile(file2, { ...planToJson(refreshed.plan!, e.config.dir), saved: refreshed.saved! });
    const before = e.sandbox.state.trainings.get('d1');
    e.edit('d1', { content: 'Edited after the plan.' });
    await expect(e.apply({ saved: { file: file2, from: await readPlanFile(file2) } })).rejects.toThrow(/a planned training changed in Open.cx since it was made/);
    e.sandbox.state.trainings.set('d1', before!);
    // Apply with --no-refresh still reads Open.cx before a create: it adopts, never duplicates.
    const r = await e.apply({ refresh: false });
    expect(r.outcomes.map((o) => o.status)).toEqual(['adopted']);
    expect(e.sandbox.state.trainings.size).toBe(1);
  });

  it('--no-adopt with a file that pins id: is an error before anything is sent, never a copy of the pinned training', async () => {
    env = await inProcess({ 'trainings/p.md': '---\ntitle: Pinned one\nid: d1\n---\nTheirs.\n' });
    const e = env;
    e.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Pinned one', content: 'Theirs.' }, '2025-01-01T00:00:00.000Z', behaviour));
    await expect(runPlan(e.config, { prune: false, refresh: true, adopt: false })).rejects.toThrow(/p\.md: pins id d1 with "id:", but adoption is off \(--no-adopt\)/);
    await expect(e.apply({ adopt: false })).rejects.toThrow(/--no-adopt/);
    expect(e.writes()).toEqual([]);
    expect(e.sandbox.state.trainings.size).toBe(1);
  });

  it('a dashboard training holding another integration\'s metadata.key is not adopted over it: an error before anything is sent', async () => {
    env = await inProcess({
      'trainings/refunds.md': trainingFile('Refunds?', 'Within 30 days.'),
      'trainings/pinned.md': `---\ntitle: Shipping?\nid: d2\n---\nThree days.\n`,
    });
    const e = env;
    for (const [id, title] of [['d1', 'Refunds?'], ['d2', 'Shipping?']] as const) {
      e.sandbox.state.trainings.set(id, createRecord(id, 1, { title, content: 'Old.', is_draft: false, metadata: { key: `cms-${id}`, cms: true } }, '2025-01-01T00:00:00.000Z', behaviour));
    }
    const refusal = /pinned\.md: training d2 holds metadata\.key "cms-d2" and no managed_by[^\n]*without "id:"\)\n\s+refunds\.md: training d1 holds metadata\.key "cms-d1"[^\n]*would overwrite it/;
    await expect(e.plan()).rejects.toThrow(refusal);
    await expect(e.apply()).rejects.toThrow(refusal);
    expect(e.writes()).toEqual([]);
    expect(e.sandbox.state.trainings.get('d1')?.metadata).toEqual({ key: 'cms-d1', cms: true });
    // The key opencx-sync itself wrote, whose managed_by was removed: the file that has that key takes it back.
    e.ws.write('trainings/refunds.md', `---\ntitle: Refunds?\nkey: cms-d1\n---\nWithin 30 days.\n`);
    e.ws.remove('trainings/pinned.md');
    expect((await e.apply()).outcomes.map((o) => `${o.status} ${o.change.key}`)).toEqual(['adopted cms-d1']);
    expect(e.sandbox.state.trainings.get('d1')?.metadata).toEqual({ key: 'cms-d1', cms: true, managed_by: MANAGED_BY });
  });

  it('two dashboard trainings for one file stop plan and apply before anything is sent', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const e = env;
    for (const id of ['d1', 'd2']) e.sandbox.state.trainings.set(id, createRecord(id, 1, { title: 'Question A?', content: 'Old.' }, '2025-01-01T00:00:00.000Z', behaviour));
    await expect(e.plan()).rejects.toThrow(/trainings\/a.md|a\.md: 2 trainings in Open.cx have its trigger phrase and type \(d1, d2\)/);
    await expect(e.apply()).rejects.toThrow(/\(d1, d2\)/);
    expect(e.writes()).toEqual([]);
  });
});

describe('every PUT keeps what the files do not own', () => {
  for (const refresh of [true, false]) {
    it(`foreign metadata keys and the active window survive an update (${refresh ? 'from the listing' : '--no-refresh, from a GET'})`, async () => {
      env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
      const e = env;
      await e.apply();
      const [t] = e.records();
      e.edit(t!.id, { metadata: { ...t!.metadata, crm: { id: 7 } }, start_time: '2026-05-01T00:00:00Z', end_time: '2026-06-01T00:00:00Z' });
      e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
      expect((await e.apply({ refresh })).outcomes.map((o) => o.status)).toEqual(['updated']);
      const now = e.sandbox.state.trainings.get(t!.id);
      expect(now).toMatchObject({ content: 'Answer A, revised.', metadata: { managed_by: MANAGED_BY, key: 'a', crm: { id: 7 } }, start_time: '2026-05-01T00:00:00Z', end_time: '2026-06-01T00:00:00Z' });
      expect((await e.plan()).plan?.changes).toEqual([]);
    });
  }

  it('a file that sets active: owns the window; an old state file (no active) shows nothing changed', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const e = env;
    await e.apply();
    const stateText = e.ws.read('opencx-sync.state.json');
    expect(stateText).not.toContain('active');
    expect((await e.plan({ refresh: false })).plan?.changes).toEqual([]);
    e.ws.write('trainings/a.md', '---\ntitle: Question A?\nactive:\n  from: 2026-12-01T00:00:00+01:00\n  until: 2027-01-06T00:00:00Z\n---\nAnswer A.\n');
    const p = toPublicPlan((await e.plan()).plan!, { dir: 'trainings' });
    expect(p.changes.map((c) => [c.action, c.changed])).toEqual([['update', ['active']]]);
    await e.apply();
    expect(e.records()[0]).toMatchObject({ start_time: '2026-11-30T23:00:00.000Z', end_time: '2027-01-06T00:00:00.000Z' });
    expect((await e.plan()).plan?.changes).toEqual([]);
    // A dashboard edit of a window the file owns is drift; one the file does not own is not.
    e.edit(e.records()[0]!.id, { end_time: '2027-02-01T00:00:00Z' });
    expect((await e.plan()).plan?.drift?.map((d) => `${d.kind} ${d.changes.map((c) => c.field).join()}`)).toEqual(['changed active']);
    // The file lets go of the window: one write keeps it as it is, and from then on it is not compared.
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A.'));
    expect((await e.apply({ onDrift: 'overwrite' })).outcomes.map((o) => o.status)).toEqual(['updated']);
    expect(e.records()[0]).toMatchObject({ end_time: '2027-02-01T00:00:00Z' });
    e.edit(e.records()[0]!.id, { end_time: null });
    expect((await e.plan()).plan).toMatchObject({ changes: [], drift: [] });
  });

  it('import leaves alone a training that a sync: false file pins by id', async () => {
    env = await inProcess({ 'trainings/leave.md': '---\ntitle: Leave me\nid: d1\nsync: false\n---\nTheirs.\n' });
    const e = env;
    e.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Leave me', content: 'Theirs.' }, '2025-01-01T00:00:00.000Z', behaviour));
    const r = await runImport(e.config, { dryRun: true, force: false });
    expect(r.files).toEqual([]);
    expect(r.left).toEqual([expect.objectContaining({ id: 'd1', why: expect.stringContaining('trainings/leave.md') })]);
  });

  it('import --force writes again, from Open.cx, a file that pins its id; other files stay', async () => {
    env = await inProcess({ 'trainings/mine.md': trainingFile('Mine', 'Hand-written.') });
    const e = env;
    e.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Theirs', content: 'First.', is_draft: false }, '2025-01-01T00:00:00.000Z', behaviour));
    await runImport(e.config, { dryRun: false, force: false });
    e.edit('d1', { content: 'Edited in the dashboard.' });
    expect((await runImport(e.config, { dryRun: false, force: false })).files).toEqual([]);
    const forced = await runImport(e.config, { dryRun: false, force: true });
    expect(forced.files.map((f) => [f.path, f.overwrite])).toEqual([['theirs.md', true]]);
    expect(e.ws.read('trainings/theirs.md')).toContain('Edited in the dashboard.');
    expect(e.ws.read('trainings/mine.md')).toContain('Hand-written.');
  });
});
