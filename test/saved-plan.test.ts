// Saved plans (issue 10, item 2): `plan --out` records what the plan was made from, and `apply plan.json`
// applies exactly that plan or refuses before any write. The engine in process against the sandbox.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runApply, runPlan, type PlanOptions, type SavedPlan } from '../src/engine.js';
import { UserError } from '../src/errors.js';
import { readPlanFile, writePlanFile } from '../src/io/plan-file.js';
import { planToJson } from '../src/render/report.js';
import { readStateFile } from '../src/io/state-file.js';
import { trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';

let env: InProcess | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const stateOf = async (e: InProcess) => {
  const s = await readStateFile(path.join(e.ws.dir, 'opencx-sync.state.json'));
  if (!s) throw new Error('no state file');
  return s;
};

describe('the state serial', () => {
  it('moves only when an apply changed something in Open.cx, not when every write failed', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') }, { readOnlyKey: 'read-only-key' });
    expect((await env.apply()).outcomes.map((o) => o.status)).toEqual(['created']);
    const before = await stateOf(env);
    expect(before.serial).toBe(1);

    env.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const readOnly = { ...env.config, apiKey: 'read-only-key' };
    const failed = await runApply(readOnly, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true });
    expect(failed.outcomes.map((o) => o.status)).toEqual(['failed']);
    expect((await stateOf(env)).serial).toBe(before.serial);

    // A second successful apply moves it once, however many changes it made.
    env.ws.write('trainings/b.md', trainingFile('Question B?', 'Answer B.'));
    expect((await env.apply()).outcomes.map((o) => o.status).sort()).toEqual(['created', 'updated']);
    expect((await stateOf(env)).serial).toBe(before.serial + 1);
  });
});

/** `plan --out` as the CLI does it: the plan JSON with its `saved` section, written and read back. */
async function savePlan(e: InProcess, o: Partial<PlanOptions> = {}) {
  const r = await runPlan(e.config, { prune: false, refresh: false, ...o, save: true });
  if (!r.plan || !r.saved) throw new Error('no plan');
  const file = path.join(e.ws.dir, 'plan.json');
  await writePlanFile(file, { ...planToJson(r.plan, e.config.dir), saved: r.saved });
  return { plan: r.plan, saved: { file, from: await readPlanFile(file) } };
}

const requestCount = (e: InProcess) => e.sandbox.state.requests.length;

async function twoApplied() {
  env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.'), 'trainings/b.md': trainingFile('Question B?', 'Answer B.') });
  expect((await env.apply()).outcomes.map((o) => o.status)).toEqual(['created', 'created']);
  return env;
}

describe('plan --out, then apply <file>', () => {
  it('applies exactly the saved changes, and the plan names its state and fingerprint', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { plan, saved } = await savePlan(e);
    const state = await stateOf(e);
    expect(plan).toMatchObject({ lineage: state.lineage, serial: state.serial, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(saved.from).toMatchObject({ lineage: state.lineage, serial: state.serial, keys: ['a'], fingerprint: plan.fingerprint, remote: null });
    expect(saved.from.files).toEqual([{ path: 'a.md', hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);

    const before = e.writes().length;
    const r = await e.apply({ saved });
    expect(r.outcomes.map((o) => `${o.status} ${o.change.key}`)).toEqual(['updated a']);
    expect(e.writes().slice(before)).toEqual([`PUT /training/${e.withKey('a')[0]?.id}`]);
  });

  it('a refreshed saved plan applies nothing else, even when Open.cx now differs elsewhere', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e, { refresh: true });
    expect(saved.from.remote).toEqual([{ id: e.withKey('a')[0]?.id, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const b = e.withKey('b')[0];
    if (!b) throw new Error('no b');
    e.edit(b.id, { content: 'Edited by hand.' });

    const before = e.writes().length;
    const r = await e.apply({ saved });
    expect(r.outcomes.map((o) => `${o.status} ${o.change.key}`)).toEqual(['updated a']);
    expect(e.writes().slice(before)).toHaveLength(1);
    expect(e.sandbox.state.trainings.get(b.id)?.content).toBe('Edited by hand.');
  });

  it('the same plan gives the same fingerprint; another change another one', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const one = (await runPlan(e.config, { prune: false, refresh: false })).plan;
    const two = (await runPlan(e.config, { prune: false, refresh: false })).plan;
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised twice.'));
    const three = (await runPlan(e.config, { prune: false, refresh: false })).plan;
    expect(one?.fingerprint).toBe(two?.fingerprint);
    expect(three?.fingerprint).not.toBe(one?.fingerprint);
  });
});

describe('a stale saved plan is refused before any request, saying why and how to re-plan', () => {
  async function refused(e: InProcess, saved: SavedPlan, why: RegExp) {
    const before = requestCount(e);
    const err = await e.apply({ saved }).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message).toMatch(why);
    expect(err?.message).toContain(`the saved plan ${saved.file} is stale`);
    expect(err?.message).toContain(`opencx-sync apply ${saved.file}`);
    return { err: err as Error, requests: requestCount(e) - before };
  }

  it('another apply ran since (the serial moved)', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e, { prune: true });
    expect((await e.apply()).outcomes.map((o) => o.status)).toEqual(['updated']);
    const { err, requests } = await refused(e, saved, /the state moved on since it was made \(serial 1, now 2\)/);
    expect(requests).toBe(0);
    expect(err.message).toContain(`"opencx-sync plan --prune --out ${saved.file}"`);
  });

  it('made for another namespace (a first apply, when no state file says which)', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const e = env;
    const r = await runPlan({ ...e.config, namespace: 'billing' }, { prune: false, refresh: false, save: true });
    if (!r.plan || !r.saved) throw new Error('no plan');
    const file = path.join(e.ws.dir, 'plan.json');
    await writePlanFile(file, { ...planToJson(r.plan, e.config.dir), saved: r.saved });
    const saved = { file, from: await readPlanFile(file) };
    const { requests } = await refused(e, saved, /it was made for namespace "billing", but the default namespace is configured/);
    expect(requests).toBe(0);
    expect(e.records()).toEqual([]);
    // In its own namespace it applies, tagged for it.
    const applied = await runApply({ ...e.config, namespace: 'billing' }, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true, saved });
    expect(applied.outcomes.map((o) => o.status)).toEqual(['created']);
    expect(e.records().map((t) => t.metadata.managed_by)).toEqual(['opencx-sync:billing']);
  });

  it('another state (another lineage)', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e);
    const state = await stateOf(e);
    e.ws.write('opencx-sync.state.json', e.ws.read('opencx-sync.state.json').replace(state.lineage, 'another-lineage'));
    const { requests } = await refused(e, saved, /against state lineage .* but the state file now has lineage another-lineage/);
    expect(requests).toBe(0);
  });

  it('a planned file changed since', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e);
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised again after review.'));
    const { requests } = await refused(e, saved, /a planned file changed since it was made: trainings\/a\.md/);
    expect(requests).toBe(0);
  });

  it('a file change that changes the plan (a file added)', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e);
    e.ws.write('trainings/c.md', trainingFile('Question C?', 'Answer C.'));
    const { requests } = await refused(e, saved, /the files changed since it was made in a way that changes the plan/);
    expect(requests).toBe(0);
  });

  it('a planned training changed in Open.cx since (refused after the listing, before any write)', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e, { refresh: true });
    const a = e.withKey('a')[0];
    if (!a) throw new Error('no a');
    e.edit(a.id, { content: 'Edited by hand after the review.' });
    const before = e.writes().length;
    await refused(e, saved, new RegExp(`a planned training changed in Open.cx since it was made: a \\(${a.id}\\)`));
    expect(e.writes().slice(before)).toEqual([]);
    expect(e.sandbox.state.trainings.get(a.id)?.content).toBe('Edited by hand after the review.');
  });

  it('a plan made for another trainings folder', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e);
    const other = { ...saved, from: { ...saved.from, dir: 'elsewhere' } };
    expect((await refused(e, other, /made for the trainings folder "elsewhere"/)).requests).toBe(0);
  });
});

describe('plan files that are not saved plans', () => {
  it('a plan --json document, a damaged file and a newer version are refused naming the file', async () => {
    const e = await twoApplied();
    const file = path.join(e.ws.dir, 'p.json');
    const { plan } = await runPlan(e.config, { prune: false, refresh: false });
    if (!plan) throw new Error('no plan');
    e.ws.write('p.json', JSON.stringify(planToJson(plan, 'trainings')));
    await expect(readPlanFile(file)).rejects.toThrow(`plan file ${file} is not a saved plan`);
    e.ws.write('p.json', '{"saved": {"version": 1, "lineage": 5}}');
    await expect(readPlanFile(file)).rejects.toThrow(/is damaged at saved\.lineage/);
    e.ws.write('p.json', '{"saved": {"version": 2}}');
    await expect(readPlanFile(file)).rejects.toThrow(/version 2, but this opencx-sync reads version 1/);
    e.ws.write('p.json', '{"saved": ');
    await expect(readPlanFile(file)).rejects.toThrow(/is not valid JSON/);
  });

  it('a saved plan edited by hand is refused: what a reviewer reads in it is what the plan was (found by hostile testing)', async () => {
    const e = await twoApplied();
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { saved } = await savePlan(e);
    const json = JSON.parse(e.ws.read('plan.json'));
    for (const c of json.changes) if (c.after) c.after.title = 'Tampered';
    e.ws.write('plan.json', JSON.stringify(json, null, 2));
    await expect(readPlanFile(saved.file)).rejects.toThrow(/was edited since "plan --out" wrote it/);
    // Its own text, reformatted, is still the same plan.
    const again = await savePlan(e);
    e.ws.write('plan.json', JSON.stringify(JSON.parse(e.ws.read('plan.json'))));
    await expect(readPlanFile(again.saved.file)).resolves.toMatchObject({ keys: ['a'] });
  });
});

describe('the confirmation hook', () => {
  it('is asked with the final plan before any write; "no" sends nothing; a saved plan is not asked again', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const e = env;
    const base = { prune: false, onDrift: 'fail' as const, maxDeletes: 10, lockWaitMs: 0, refresh: true };
    const asked: number[] = [];
    const no = await runApply(e.config, base, { confirm: async (p) => (asked.push(p.changes.length), false) });
    expect(no).toMatchObject({ cancelled: true, outcomes: [] });
    expect(asked).toEqual([1]);
    expect(e.writes()).toEqual([]);

    const { saved } = await savePlan(e);
    const r = await runApply(e.config, { ...base, saved }, { confirm: async () => (asked.push(-1), false) });
    expect(r.outcomes.map((o) => o.status)).toEqual(['created']);
    expect(asked).toEqual([1]);
  });
});
