// Plan equals apply (issue 10, item 5): what apply refuses, plan reports with the same words; an
// offline plan never claims to know what Open.cx holds. The engine in process against the sandbox.
import pc from 'picocolors';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan } from '../src/engine.js';
import { renderPlan } from '../src/render/report.js';
import { planMarkdown } from '../src/render/markdown.js';
import { trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';

let env: InProcess | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const files = {
  'trainings/a.md': trainingFile('Question A?', 'Answer A.'),
  'trainings/b.md': trainingFile('Question B?', 'Answer B.'),
};

async function applied() {
  env = await inProcess(files);
  expect((await env.apply()).outcomes.map((o) => o.status)).toEqual(['created', 'created']);
  return env;
}

const applyError = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err: unknown) => (err as Error).message,
  );

describe('plan reports what apply would refuse, in the words apply uses', () => {
  it('too many deletes', async () => {
    const e = await applied();
    e.ws.remove('trainings/a.md');
    e.ws.remove('trainings/b.md');
    e.ws.write('trainings/c.md', trainingFile('Question C?', 'Answer C.'));
    const { verdict } = await runPlan(e.config, { prune: true, refresh: false, maxDeletes: 1 });
    const refused = await applyError(e.apply({ prune: true, maxDeletes: 1 }));
    expect(refused).toContain('more than --max-deletes 1');
    expect(verdict.refusals).toEqual([refused]);
  });

  it('an empty trainings folder with --prune', async () => {
    const e = await applied();
    e.ws.remove('trainings/a.md');
    e.ws.remove('trainings/b.md');
    const { verdict } = await runPlan(e.config, { prune: true, refresh: false });
    const refused = await applyError(e.apply({ prune: true }));
    expect(refused).toContain('the trainings folder has no trainings');
    expect(verdict.refusals).toEqual([refused]);
  });

  it('drift under --on-drift fail; skipped under skip; nothing under overwrite', async () => {
    const e = await applied();
    const a = e.withKey('a')[0];
    if (!a) throw new Error('no a');
    e.edit(a.id, { content: 'Edited by hand.' });
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const fail = await runPlan(e.config, { prune: false, refresh: true, onDrift: 'fail' });
    const skip = await runPlan(e.config, { prune: false, refresh: true, onDrift: 'skip' });
    const overwrite = await runPlan(e.config, { prune: false, refresh: true, onDrift: 'overwrite' });
    const r = await e.apply({ onDrift: 'fail' });
    const failed = r.outcomes.find((o) => o.status === 'failed');
    if (failed?.status !== 'failed') throw new Error('apply did not fail the drifted change');
    expect(fail.verdict.refusals).toEqual([`a: ${failed.message}`]);
    expect(skip.verdict).toEqual({ refusals: [], skips: ['a: was edited in Open.cx since the last apply'] });
    const skipped = (await e.apply({ onDrift: 'skip' })).outcomes.find((o) => o.status === 'skipped');
    expect(skipped?.status === 'skipped' && `a: ${skipped.reason}`).toBe(skip.verdict.skips[0]);
    expect(overwrite.verdict).toEqual({ refusals: [], skips: [] });
  });

  it('a delete of a training edited in Open.cx, found by a refreshed plan', async () => {
    const e = await applied();
    const b = e.withKey('b')[0];
    if (!b) throw new Error('no b');
    e.edit(b.id, { content: 'Edited by hand.' });
    e.ws.remove('trainings/b.md');
    const { verdict } = await runPlan(e.config, { prune: true, refresh: true });
    const r = await e.apply({ prune: true });
    const failed = r.outcomes.find((o) => o.status === 'failed');
    if (failed?.status !== 'failed') throw new Error('apply did not fail the delete');
    expect(verdict.refusals).toEqual([`b: ${failed.message}`]);
  });
});

describe('an offline plan never says Open.cx matches', () => {
  it('it says the files match the state file, and that --refresh checks Open.cx', async () => {
    const e = await applied();
    const offline = (await runPlan(e.config, { prune: false, refresh: false })).plan;
    const refreshed = (await runPlan(e.config, { prune: false, refresh: true })).plan;
    if (!offline || !refreshed) throw new Error('no plan');
    const c = pc.createColors(false);
    const text = renderPlan(offline, { dir: 'trainings', c, verbose: false });
    expect(text).not.toContain('Open.cx matches');
    expect(text).toContain('The files match the state file');
    expect(text).toContain('"plan --refresh" also checks Open.cx');
    expect(renderPlan(refreshed, { dir: 'trainings', c, verbose: false })).toContain('Open.cx matches the files');
    const md = planMarkdown(offline, { dir: 'trainings' });
    expect(md).not.toContain('Open.cx matches');
  });
});

describe('a lost state file', () => {
  it('plan --refresh reports, in apply\'s words, the refusal of an apply without a state file while Open.cx holds this tool\'s trainings', async () => {
    // Found by a README walkthrough: after import in a repository whose state file was lost, plan
    // --refresh showed adopts and no refusal, and the apply it promised then stopped.
    const e = await applied();
    e.ws.remove('opencx-sync.state.json');
    const { verdict } = await runPlan(e.config, { prune: false, refresh: true });
    const applying = await applyError(e.apply());
    expect(applying).toMatch(/there is no state file .*already holds 2 trainings made by opencx-sync: run "opencx-sync state rebuild"/);
    expect(verdict.refusals).toEqual([applying]);
  });
});

describe('a lost state file, and trainings that are no sign of one', () => {
  it('a training tagged managed_by without a key is not refused as lost state: state rebuild could never track it, so the refusal would repeat forever', async () => {
    const e = await applied();
    const [a, b] = e.records();
    if (!a || !b) throw new Error('no trainings');
    // A hand edit in the dashboard removed metadata.key and kept managed_by; the other training is gone.
    e.edit(b.id, { metadata: { managed_by: 'opencx-sync' } });
    e.sandbox.state.trainings.delete(a.id);
    e.ws.remove('opencx-sync.state.json');
    e.ws.remove('trainings/b.md');
    const { verdict } = await runPlan(e.config, { prune: false, refresh: true });
    expect(verdict.refusals).toEqual([]);
    expect((await e.apply()).outcomes.map((o) => o.status)).toEqual(['created']);
  });
});
