// Segment names in front-matter resolved from Open.cx's segment list (GET /contacts/segments) with a
// key, against the sandbox over real HTTP: ids sent and stored, stable plans, errors at the file's line,
// the segments:read scope, config precedence, paging, and offline commands that never call the API.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { resolveSegment, segmentDirectoryOf, uniqueNamesById } from '../src/core/segments.js';
import { loadTrainings, runApply, runPlan } from '../src/engine.js';
import { ApiClient } from '../src/io/api.js';
import { readPlanFile, writePlanFile } from '../src/io/plan-file.js';
import { planToJson } from '../src/render/report.js';
import { fetchSegments } from '../src/io/segments.js';
import { DEFAULT_SEGMENTS, startSandbox, type Named, type SandboxOptions } from '../src/sandbox/server.js';
import { KEY, runCli, trainingFile, workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

const VIP = '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34';
const TRIAL = '5d2e8f10-7a3b-4c9d-9e1f-2b4a6c8d0e12';
const TRAINING_ONLY = 'training-only-key-71c2';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(files: Record<string, string>, opts: { sandbox?: SandboxOptions; key?: string; config?: object } = {}) {
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, trainingOnlyKey: TRAINING_ONLY, ...opts.sandbox });
  const ws = workspace(files);
  closers.push(() => sandbox.close(), () => ws.cleanup());
  const config = resolveConfig({
    cwd: ws.dir,
    ...(opts.config ? { file: { path: path.join(ws.dir, 'opencx-sync.config.json'), text: JSON.stringify(opts.config) } } : {}),
    env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: opts.key ?? KEY },
    flags: { rateLimit: 0, retryDelay: 5, retries: 2, timeout: 5_000 },
  });
  return {
    sandbox,
    ws,
    config,
    apply: () => runApply(config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true }),
    plan: (refresh = true) => runPlan(config, { prune: false, refresh }),
    segmentReads: () => sandbox.state.requests.filter((r) => r.path.startsWith('/contacts/segments')).map((r) => r.query),
    writes: () => sandbox.state.requests.filter((r) => r.method !== 'GET'),
  };
}

const errorsOf = (issues: { file: string; line: number; col: number; message: string; severity: string }[]) =>
  issues.filter((i) => i.severity === 'error').map((i) => `${i.file}:${i.line}:${i.col} ${i.message}`);

describe('segments by name, with a key', () => {
  it('plan --refresh and apply send the ids; the state holds ids; the next plan is empty', async () => {
    const t = await setup({
      'trainings/vip.md': trainingFile('Loyalty discount?', 'VIPs get 15%.', { segments: ['VIP customers', 'Trial users'] }),
      'trainings/open.md': trainingFile('Opening hours?'),
    });
    const planned = await t.plan();
    expect(planned.plan?.changes.map((c) => [c.key, 'fields' in c ? c.fields.segments : null])).toEqual([
      ['open', []],
      ['vip', [VIP, TRIAL].sort()],
    ]);
    expect(t.segmentReads()).toEqual(['?page=1&limit=100']);

    await t.apply();
    const vip = [...t.sandbox.state.trainings.values()].find((r) => r.metadata.key === 'vip');
    expect(vip?.restricted_to_segments.sort()).toEqual([VIP, TRIAL].sort());
    const state = JSON.parse(t.ws.read('opencx-sync.state.json')) as { trainings: Record<string, { applied: { segments: string[] } }> };
    expect(state.trainings.vip?.applied.segments).toEqual([VIP, TRIAL].sort());

    // A file written with names and Open.cx holding the ids is no change.
    const again = await t.plan();
    expect(again.plan?.changes).toEqual([]);
    expect(again.plan?.drift).toEqual([]);
  });

  it('the plan text shows the segments by the names the files gave them (the built CLI)', async () => {
    const t = await setup({ 'trainings/vip.md': trainingFile('Loyalty discount?', 'VIPs get 15%.', { segments: ['VIP customers'] }) });
    const r = await runCli(['plan', '--refresh'], { cwd: t.ws.dir, env: { OPENCX_API_URL: t.sandbox.url, OPENCX_API_KEY: KEY } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('segments: [VIP customers]');
    expect(r.stdout).toContain('segment "VIP customers": 1 created');
    expect(r.stdout).not.toContain(VIP);
    const json = JSON.parse((await runCli(['plan', '--refresh', '--json'], { cwd: t.ws.dir, env: { OPENCX_API_URL: t.sandbox.url, OPENCX_API_KEY: KEY } })).stdout);
    expect(json.changes[0].after.segments).toEqual([VIP]);
  });

  it('a saved plan made with names applies exactly', async () => {
    const t = await setup({ 'trainings/vip.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers'] }) });
    const save = async () => {
      const r = await runPlan(t.config, { prune: false, refresh: true, save: true });
      if (!r.plan || !r.saved) throw new Error('no plan');
      const file = path.join(t.ws.dir, 'plan.json');
      await writePlanFile(file, { ...planToJson(r.plan, t.config.dir), saved: r.saved });
      return { file, from: await readPlanFile(file) };
    };
    const saved = await save();
    const applied = await runApply(t.config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true, saved });
    expect(applied.outcomes.map((o) => o.status)).toEqual(['created']);
    expect([...t.sandbox.state.trainings.values()][0]?.restricted_to_segments).toEqual([VIP]);
  });

  it('a saved plan whose segment names Open.cx renamed since is stale, and the refusal says a name may be why, not only an edit', async () => {
    // Two segments swap names in Open.cx between the reviewed plan and the apply: the file is untouched.
    const segments: Named[] = [{ id: VIP, name: 'VIP customers' }, { id: TRIAL, name: 'Trial users' }];
    const t = await setup({ 'trainings/vip.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers'] }) }, { sandbox: { segments } });
    const r = await runPlan(t.config, { prune: false, refresh: true, save: true });
    if (!r.plan || !r.saved) throw new Error('no plan');
    const file = path.join(t.ws.dir, 'plan.json');
    await writePlanFile(file, { ...planToJson(r.plan, t.config.dir), saved: r.saved });
    segments.splice(0, 2, { id: VIP, name: 'Trial users' }, { id: TRIAL, name: 'VIP customers' });
    const saved = { file, from: await readPlanFile(file) };
    await expect(runApply(t.config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true, saved })).rejects.toThrow(
      'a planned file changed since it was made: trainings/vip.md (edited, or a segment name in it names another segment in Open.cx now)',
    );
    expect(t.writes()).toEqual([]);
  });

  it('an unknown name is an error at its line, with a suggestion, and nothing is written', async () => {
    const t = await setup({
      'trainings/vip.md': `---\ntitle: Discount?\nsegments:\n  - VIP customer\n  - Gold\n---\nBody.\n`,
      'trainings/ok.md': trainingFile('Fine?'),
    });
    const r = await t.apply();
    expect(r.plan).toBeUndefined();
    expect(errorsOf(r.loaded.issues)).toEqual([
      'trainings/vip.md:4:5 unknown segment "VIP customer": Open.cx lists 2 segments and none is named so; did you mean "VIP customers"?',
      'trainings/vip.md:5:5 unknown segment "Gold": Open.cx lists 2 segments and none is named so (known: "VIP customers", "Trial users")',
    ]);
    expect(t.writes()).toEqual([]);
  });

  it('a name two segments share is an error naming both ids', async () => {
    const twin = 'a1b2c3d4-0000-4000-8000-000000000001';
    const t = await setup(
      { 'trainings/t.md': trainingFile('Trial length?', 'Two weeks.', { segments: ['Trial users'] }) },
      { sandbox: { segments: [...DEFAULT_SEGMENTS, { id: twin, name: 'Trial users' }] } },
    );
    const r = await t.plan();
    expect(errorsOf(r.loaded.issues)).toEqual([
      `trainings/t.md:3:12 segment name "Trial users" is shared by 2 segments in Open.cx (${TRIAL}, ${twin}): use the id of the one you mean, or rename one in Open.cx`,
    ]);
  });

  it('a key without segments:read gets an error naming the scope; ids and config names need no segment read', async () => {
    const named = await setup({ 'trainings/v.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers'] }) }, { key: TRAINING_ONLY });
    await expect(named.apply()).rejects.toThrow(/may not read segments \(403 on GET \/contacts\/segments\).*Add the segments:read scope to the key/);
    expect(named.writes()).toEqual([]);

    const ids = await setup(
      { 'trainings/v.md': trainingFile('Discount?', 'Yes.', { segments: [VIP, 'Trial'] }) },
      { key: TRAINING_ONLY, config: { segments: { Trial: TRIAL } } },
    );
    expect((await ids.apply()).outcomes.map((o) => o.status)).toEqual(['created']);
    expect(ids.segmentReads()).toEqual([]);
  });

  it('a name in the config wins over Open.cx\'s list, and no list is read for it', async () => {
    // The config says "VIP customers" is the trial segment's id: explicit, so taken as written.
    const t = await setup({ 'trainings/v.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers'] }) }, { config: { segments: { 'VIP customers': TRIAL } } });
    await t.apply();
    expect([...t.sandbox.state.trainings.values()][0]?.restricted_to_segments).toEqual([TRIAL]);
    expect(t.segmentReads()).toEqual([]);
  });

  it('reads every page of a long segment list', async () => {
    const many: Named[] = Array.from({ length: 250 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `Segment ${i}` }));
    const t = await setup({ 'trainings/a.md': trainingFile('Late one?', 'Yes.', { segments: ['Segment 249'] }) }, { sandbox: { segments: many } });
    const r = await t.plan();
    expect(r.plan?.changes[0]).toMatchObject({ fields: { segments: [many[249]?.id] } });
    expect(t.segmentReads()).toEqual(['?page=1&limit=100', '?page=2&limit=100', '?page=3&limit=100']);
  });
});

describe('segments by name, offline', () => {
  it('an offline plan refuses a name it cannot resolve, at its line, and sends nothing', async () => {
    const t = await setup({ 'trainings/v.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers'] }) });
    const r = await t.plan(false);
    expect(r.plan).toBeUndefined();
    expect(errorsOf(r.loaded.issues)).toEqual([
      'trainings/v.md:3:12 unknown segment "VIP customers": use a segment id (UUID) or a name listed under "segments" in the config file; a name from Open.cx\'s segment list is looked up only with a key ("plan --refresh", "apply"), never by an offline plan',
    ]);
    expect(t.sandbox.state.requests).toEqual([]);
  });

  it('validate takes the name with a warning (a config name close to it suggested), and sends nothing', async () => {
    const t = await setup({ 'trainings/v.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers', 'Trail'] }) }, { config: { segments: { Trial: TRIAL } } });
    const loaded = await loadTrainings(t.config);
    expect(errorsOf(loaded.issues)).toEqual([]);
    expect(loaded.issues.map((i) => `${i.line}:${i.col} ${i.severity} ${i.message}`)).toEqual([
      '3:12 warning segment "VIP customers" is not in "segments" of the config file: it must name one segment in Open.cx, which "plan --refresh" and "apply" check',
      '3:28 warning segment "Trail" is not in "segments" of the config file: it must name one segment in Open.cx, which "plan --refresh" and "apply" check (or did you mean "Trial" from the config?)',
    ]);
    expect(loaded.lookups).toEqual(['VIP customers', 'Trail']);
    expect(t.sandbox.state.requests).toEqual([]);
  });
});

describe('validate --strict and segment names only Open.cx knows', () => {
  const file = { 'trainings/v.md': trainingFile('Discount?', 'Yes.', { segments: ['VIP customers'] }) };

  it('the warning names its rule, segment-lookup, so it can be switched off', async () => {
    const ws = workspace(file);
    closers.push(() => ws.cleanup());
    const r = await runInProcess(['validate', '--strict'], { cwd: ws.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('segment "VIP customers" is not in "segments" of the config file');
    expect(r.stdout).toContain('[segment-lookup]');
  });

  it('"segment-lookup": "off" in the config lets validate --strict pass; an offline plan still refuses the name', async () => {
    const ws = workspace({ ...file, 'opencx-sync.config.json': JSON.stringify({ rules: { 'segment-lookup': 'off' } }) });
    closers.push(() => ws.cleanup());
    const r = await runInProcess(['validate', '--strict'], { cwd: ws.dir });
    expect(r.stdout, r.stderr).not.toContain('VIP customers');
    expect(r.code).toBe(0);
    const plan = await runInProcess(['plan'], { cwd: ws.dir });
    expect(plan.code).toBe(1);
    expect(plan.stderr + plan.stdout).toContain('VIP customers');
  });

  it('"segment-lookup": "error" makes it an error without --strict', async () => {
    const t = await setup(file, { config: { rules: { 'segment-lookup': 'error' } } });
    const loaded = await loadTrainings(t.config);
    expect(loaded.issues.map((i) => [i.severity, i.rule])).toEqual([['error', 'segment-lookup']]);
  });
});

describe('the segment list response', () => {
  async function serve(pages: (page: number) => unknown, status = 200) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(pages(page)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const api = new ApiClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: KEY, rateLimit: 0, concurrency: 1,
      timeoutMs: 2000, attempts: 1, retryBaseMs: 5, retryMaxMs: 50, userAgent: 'test',
    });
    closers.push(() => api.close());
    return { api, seen };
  }
  const seg = (i: number) => ({ id: `id-${i}`, name: `S${i}` });

  it('takes a bare array, {items}, and {data} without a total; skips entries without a name', async () => {
    expect(await fetchSegments((await serve(() => [seg(1), { id: 'x' }, seg(2)])).api)).toEqual([seg(1), seg(2)]);
    expect(await fetchSegments((await serve(() => ({ items: [seg(1)] }))).api)).toEqual([seg(1)]);
    const full = Array.from({ length: 100 }, (_, i) => seg(i));
    const paged = await serve((p) => ({ data: p === 1 ? full : [seg(100)] }));
    expect(await fetchSegments(paged.api)).toHaveLength(101);
    expect(paged.seen).toHaveLength(2);
  });

  it('stops a list that never ends: a page with nothing new, or more than 100 pages', async () => {
    const same = await serve(() => ({ data: Array.from({ length: 100 }, (_, i) => seg(i)), has_more: true }));
    expect(await fetchSegments(same.api)).toHaveLength(100);
    expect(same.seen).toHaveLength(2);
    // A server that ignores the page asked for, with a total saying there is more: a part of the list is not the list.
    const stuck = await serve(() => ({ data: Array.from({ length: 100 }, (_, i) => seg(i)), total: 250 }));
    await expect(fetchSegments(stuck.api)).rejects.toThrow(/the segment list repeated itself after 100 of its total of 250 segments/);
    const endless = await serve((p) => ({ data: Array.from({ length: 100 }, (_, i) => seg(p * 100 + i)), has_more: true }));
    await expect(fetchSegments(endless.api)).rejects.toThrow(/went on for 100 pages of 100: stopped/);
    expect(endless.seen).toHaveLength(100);
  });

  it('a 404 on the segment list (an Open.cx without it) says to map the names in the config', async () => {
    const missing = await serve(() => ({ statusCode: 404, message: 'Cannot GET /contacts/segments' }), 404);
    await expect(fetchSegments(missing.api)).rejects.toThrow(/404 on GET \/contacts\/segments.*map the names to their ids under "segments" in the config file/i);
  });

  it('refuses an answer that is not a list', async () => {
    await expect(fetchSegments((await serve(() => ({ data: 'no' }))).api)).rejects.toThrow(/unexpected segment list response/);
  });
});

describe('resolving a segment (pure)', () => {
  const dir = segmentDirectoryOf([{ id: 'a', name: 'VIP' }, { id: 'b', name: 'Twin' }, { id: 'c', name: 'Twin' }, { id: 'a', name: 'VIP' }]);
  it('config first, then a UUID, then a unique name', () => {
    expect(resolveSegment('VIP', new Map([['VIP', 'from-config']]), dir)).toEqual({ id: 'from-config' });
    expect(resolveSegment(VIP, new Map(), dir)).toEqual({ id: VIP });
    expect(resolveSegment('VIP', new Map(), dir)).toEqual({ id: 'a' });
    expect(resolveSegment('Twin', new Map(), dir)).toEqual({ error: expect.stringContaining('shared by 2 segments in Open.cx (b, c)') });
    expect(resolveSegment('vip', new Map(), dir)).toEqual({ error: expect.stringContaining('did you mean "VIP"?') });
  });
  it('matches a name however its accents are encoded (NFC or NFD): the two look the same', () => {
    const composed = 'Caf\u00e9';
    const decomposed = 'Cafe\u0301';
    expect(resolveSegment(decomposed, new Map(), segmentDirectoryOf([{ id: 'k', name: composed }]))).toEqual({ id: 'k' });
    expect(resolveSegment(composed, new Map(), segmentDirectoryOf([{ id: 'k', name: decomposed }]))).toEqual({ id: 'k' });
    // Two segments whose names differ only so are one name shared, not two.
    const both = segmentDirectoryOf([{ id: 'k', name: composed }, { id: 'l', name: decomposed }]);
    expect(resolveSegment(composed, new Map(), both)).toEqual({ error: expect.stringContaining('shared by 2 segments') });
  });
  it('names each unique id for import; a shared name names none', () => {
    expect(uniqueNamesById(dir)).toEqual(new Map([['a', 'VIP']]));
  });
  it('shows server text printable in messages', () => {
    const odd = segmentDirectoryOf([{ id: 'x\u001b[31m', name: 'Bad\u0007' }, { id: 'y', name: 'Bad\u0007' }]);
    const r = resolveSegment('Bad\u0007', new Map(), odd);
    expect('error' in r && r.error).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('import writes segment names from Open.cx', () => {
  it('never a name shaped like a UUID: it would read back as that id, moving the training to another segment', async () => {
    const { createRecord, STRICT } = await import('../src/sandbox/model.js');
    const { runImport } = await import('../src/engine.js');
    // A segment named with the id of another (by mistake, or a hostile server).
    const t = await setup({}, { sandbox: { segments: [{ id: VIP, name: TRIAL }, { id: TRIAL, name: 'Trial users' }] } });
    t.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Loyalty discount?', content: 'VIPs get 15%.', is_draft: false, restricted_to_segments: [VIP] }, '2025-01-01T00:00:00.000Z', STRICT));
    const imported = await runImport(t.config, { dryRun: false, force: false });
    expect(imported.files[0]?.text).toContain(`segments: ["${VIP}"]`);
    // The round trip holds: only the adoption, no field changed.
    const planned = await t.plan();
    expect(planned.plan?.changes.map((c) => [c.action, c.changes.length])).toEqual([['create', 0]]);
  });

  it('a name one segment carries is written; the config name wins; without segments:read, ids with a warning', async () => {
    const { createRecord, STRICT } = await import('../src/sandbox/model.js');
    const { runImport } = await import('../src/engine.js');
    const { readFileSync } = await import('node:fs');
    const seed = (t: Awaited<ReturnType<typeof setup>>) => {
      t.sandbox.state.trainings.set('d1', createRecord('d1', 1, { title: 'Loyalty discount?', content: 'VIPs get 15%.', is_draft: false, restricted_to_segments: [VIP, TRIAL] }, '2025-01-01T00:00:00.000Z', STRICT));
    };
    const t = await setup({}, { config: { segments: { trial: TRIAL } } });
    seed(t);
    const imported = await runImport(t.config, { dryRun: false, force: false });
    const text = readFileSync(path.join(t.ws.dir, 'trainings', imported.files[0]?.path ?? ''), 'utf8');
    expect(text).toContain('segments: ["VIP customers", "trial"]');
    expect(t.segmentReads().length).toBeGreaterThan(0);
    // Round trip: the names resolve back to the same ids, so the imported training is only adopted.
    const planned = await t.plan();
    expect(planned.plan?.changes.map((c) => [c.action, c.changes.length])).toEqual([['create', 0]]);

    const warned: string[] = [];
    const limited = await setup({}, { key: TRAINING_ONLY });
    seed(limited);
    const byIds = await runImport(limited.config, { dryRun: true, force: false }, { warn: (l) => warned.push(l) });
    expect(byIds.files[0]?.text).toContain(`segments: [${[VIP, TRIAL].sort().map((id) => `"${id}"`).join(', ')}]`);
    expect(warned.join('\n')).toMatch(/segments:read/);
  });
});
