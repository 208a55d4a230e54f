// A type or channel added in Open.cx after this version (channel "telegram", a new type) must not stop
// apply, plan --refresh or state rebuild: it is kept as it is, shown as drift, and named in a warning.
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { runApply, runPlan, runStateRebuild, type Hooks } from '../src/engine.js';
import { createColors } from 'picocolors';
import { renderPlan } from '../src/render/report.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import type { TrainingRecord } from '../src/sandbox/model.js';
import { KEY, trainingFile, workspace, type Workspace } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(): Promise<{ s: Sandbox; ws: Workspace; config: ReturnType<typeof resolveConfig> }> {
  const s = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  cleanups.push(() => s.close());
  const ws = workspace({ 'trainings/refunds.md': trainingFile('How do I get a refund?', 'Within 30 days.', { channels: ['web'] }) });
  cleanups.push(() => ws.cleanup());
  const config = resolveConfig({ cwd: ws.dir, env: { OPENCX_API_KEY: KEY, OPENCX_API_URL: s.url }, flags: { rateLimit: 0 } });
  return { s, ws, config };
}

const apply = { prune: false, onDrift: 'fail' as const, maxDeletes: 10, lockWaitMs: 1000, refresh: true };

/** The dashboard adds a channel and sets a type this version has never heard of. */
function editInDashboard(s: Sandbox): TrainingRecord {
  const [r] = [...s.state.trainings.values()];
  if (!r) throw new Error('no training in the sandbox');
  const edited = { ...r, type: 'PROACTIVE', restricted_to_channels: ['telegram', 'web'] } as unknown as TrainingRecord;
  s.state.trainings.set(r.id, edited);
  return edited;
}

describe('unknown values from Open.cx', () => {
  it('plan --refresh, apply and state rebuild go on, warn naming the training, and keep the values', async () => {
    const { s, ws, config } = await setup();
    expect((await runApply(config, apply)).outcomes.map((o) => o.status)).toEqual(['created']);
    const r = editInDashboard(s);
    const warnings: string[] = [];
    const hooks: Hooks = { warn: (l) => warnings.push(l) };
    const expected = `training "refunds" (id ${r.id}) has type "PROACTIVE" and channel "telegram" unknown to this version of opencx-sync: kept as it is (a plan shows it as an edit made in Open.cx)`;

    const planned = await runPlan(config, { prune: false, refresh: true }, hooks);
    expect(warnings).toEqual([expected]);
    const change = planned.plan?.changes.find((c) => c.key === 'refunds');
    expect(change).toMatchObject({ action: 'update', drift: 'changed' });
    expect(JSON.stringify(change?.changes)).toContain('telegram');

    // The file changes too: the hand edit is protected, not overwritten, and the values stay.
    ws.write('trainings/refunds.md', trainingFile('How do I get a refund?', 'Within 60 days.', { channels: ['web'] }));
    const applied = await runApply(config, apply, hooks);
    expect(applied.outcomes).toMatchObject([{ status: 'failed', message: expect.stringMatching(/edited in Open\.cx/) }]);
    expect(s.state.trainings.get(r.id)).toMatchObject({ type: 'PROACTIVE', restricted_to_channels: ['telegram', 'web'] });

    const rebuilt = await runStateRebuild(config, { force: true }, hooks);
    expect(rebuilt.state.trainings.get('refunds')?.applied).toMatchObject({ type: 'PROACTIVE', channels: ['telegram', 'web'] });
    // The rebuilt state reads back, and the file's change is now a plain update.
    const after = await runPlan(config, { prune: false, refresh: false });
    expect(after.plan?.changes.map((c) => c.action)).toEqual(['update']);
    expect(warnings.every((w) => w === expected)).toBe(true);
  });

  it('a plan never prints escape sequences the server sent in a title, the content or a channel', async () => {
    const { s, config } = await setup();
    await runApply(config, apply);
    const [r] = [...s.state.trainings.values()];
    if (!r) throw new Error('no training');
    const nasty = { ...r, draft_title: null, draft_content: null, title: 'Refund\x1b]0;pwned\x07?', content: 'Within\x1b[2J 30 days.\rgone', restricted_to_channels: ['tele\x1b[31mgram'] };
    s.state.trainings.set(r.id, nasty as unknown as TrainingRecord);
    const warnings: string[] = [];
    const { plan } = await runPlan(config, { prune: false, refresh: true }, { warn: (l) => warnings.push(l) });
    if (!plan) throw new Error('no plan');
    const text = `${renderPlan(plan, { dir: 'trainings', c: createColors(false), verbose: true })}\n${warnings.join('\n')}`;
    expect(text).toContain('gram');
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});
