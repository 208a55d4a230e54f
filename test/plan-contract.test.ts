// The public plan and its three renderers. Golden files (test/golden) hold the exact text, Markdown and
// JSON of one plan with every kind of change; UPDATE_GOLDEN=1 rewrites them after a deliberate change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { verdictOf } from '../src/core/guards.js';
import { toPublicPlan } from '../src/core/plan-contract.js';
import { planChanges } from '../src/core/plan.js';
import { emptyState } from '../src/core/state.js';
import { MANAGED_BY, type RemoteTraining, type Training } from '../src/core/training.js';
import { publicPlanMarkdown } from '../src/render/markdown.js';
import { renderPublicPlan } from '../src/render/report.js';
import { ROOT } from './helpers.js';
import { checkPlan } from './plan-json.js';
import { stateOf, training } from './unit/builders.js';

const VIP = '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34';
const names = { directories: new Map([['Billing', 'dir-billing']]), segments: new Map([['VIP customers', VIP]]) };

function remoteOf(t: Training, id = `id-${t.key}`, metadata: Record<string, string> = { managed_by: MANAGED_BY, key: t.key }): RemoteTraining {
  const f = t.fields;
  return {
    id, title: f.title, content: f.content, draft_title: null, draft_content: null, type: f.type, is_draft: f.draft,
    directory_id: f.directory, restricted_to_channels: f.channels, restricted_to_segments: f.segments, metadata, start_time: null, end_time: null,
  };
}

/** One refreshed plan with each kind of change, drift, and what apply would refuse. */
function everyKind() {
  const refundsBefore = training('billing/refunds', { content: 'Within 30 days.\nKeep the receipt.', directory: 'dir-billing' }, 'billing/refunds.md');
  const refunds = training('billing/refunds', { content: 'Within 60 days.\nKeep the receipt.\nAsk for the order number.', directory: 'dir-billing' }, 'billing/refunds.md');
  const faq = training('faq', { title: 'What are your hours?', content: 'Nine to five.\nMonday to Friday.', segments: [VIP], channels: ['web'] });
  const vipOld = training('vip', { title: 'Loyalty discount?' });
  const vip = training('offers/vip', { title: 'Loyalty discount?' }, 'offers/vip.md');
  const tone = training('tone', { title: 'Be concise', type: 'BEHAVIORAL' });
  const edited = training('shipping', { title: 'Do you ship abroad?', content: 'Yes, to the EU.' });
  const tagless = training('returns', { title: 'Can I return it?' });
  const old = training('old', { title: 'Gift wrapping?' });
  // Written by hand over a training made in the dashboard (no tag): adopted by its trigger phrase.
  const hours = training('hours', { title: 'When do you open?', content: 'Nine to six.' });
  const state = { ...stateOf([refundsBefore, vipOld, tone, edited, tagless, old]), lineage: 'lineage-1', serial: 7 };
  const remote = [
    remoteOf(refundsBefore), remoteOf(vipOld), remoteOf(old),
    remoteOf(tone, 'id-tone-twin'), // the tracked id-tone is gone; a training with its key is adopted
    remoteOf(training('shipping', { title: 'Do you ship abroad?', content: 'Only within the country.' })),
    remoteOf(tagless, 'id-returns', {}),
    { ...remoteOf(training('hours', { title: 'When do you open?', content: 'Nine to five.' }), 'dash-hours', { zendesk_id: '42' }), start_time: '2026-01-01T00:00:00Z' },
  ];
  const trainings = [refunds, faq, hours, vip, tone, edited, tagless];
  const plan = planChanges({ trainings, skipped: [], state, prune: true, remote, adopt: true });
  const verdict = verdictOf(plan, { trainings: trainings.length, maxDeletes: 0, onDrift: 'fail' });
  return toPublicPlan(plan, { dir: 'trainings', verdict });
}

const offline = () => toPublicPlan(planChanges({ trainings: [], skipped: [], state: emptyState('l'), prune: false }), { dir: 'trainings' });

function golden(name: string, actual: string): void {
  const file = path.join(ROOT, 'test/golden', name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  else if (!existsSync(file)) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 to write it, then review it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('the public plan', () => {
  it('gives each change its action and reason, with typed before and after', () => {
    const p = everyKind();
    expect(p.changes.map((c) => `${c.action} ${c.key}: ${c.reason}`)).toEqual([
      'update billing/refunds: file changed',
      'create faq: new file',
      'adopt hours: same trigger phrase in Open.cx',
      'move offers/vip: renamed',
      'delete old: file removed',
      'retag returns: tag removed',
      'update shipping: dashboard edit overwritten',
      'adopt tone: recreated after deletion',
    ]);
    const del = p.changes.find((c) => c.action === 'delete');
    expect(del).toMatchObject({ id: 'id-old', before: { title: 'Gift wrapping?' }, after: null });
    const update = p.changes.find((c) => c.key === 'billing/refunds');
    expect(update?.changed).toEqual(['content']);
    expect(update?.before?.content?.text).toBe('Within 30 days.\nKeep the receipt.');
    expect(update?.after?.content?.text).toBe('Within 60 days.\nKeep the receipt.\nAsk for the order number.');
    expect(update?.before?.directory).toBe('dir-billing');
  });

  it('names a new body by hash and size, not its text', () => {
    const create = everyKind().changes.find((c) => c.action === 'create');
    expect(create?.before).toBeNull();
    expect(create?.after?.content).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), characters: 31, lines: 2, text: null });
  });

  it('keeps drift apart from the changes, and carries the state and the verdict', () => {
    const p = everyKind();
    expect(p.drift?.map((d) => `${d.kind} ${d.key}`)).toEqual(['untagged returns', 'changed shipping', 'deleted tone', 'twin tone']);
    expect(p).toMatchObject({ format_version: 3, lineage: 'lineage-1', serial: 7, refreshed: true });
    expect(p.summary).toEqual({ create: 1, adopt: 2, update: 2, retag: 1, move: 1, delete: 1, unchanged: 0 });
    expect(p.refusals[0]).toContain('--max-deletes 0');
    expect(p.refusals.length).toBeGreaterThan(1);
  });

  it('matches schema/plan.schema.json', () => {
    expect(checkPlan(JSON.parse(JSON.stringify(everyKind())))).toBeTruthy();
    expect(checkPlan(JSON.parse(JSON.stringify(offline())))).toBeTruthy();
    expect(() => checkPlan({ ...everyKind(), format_version: 2 })).toThrow(/format_version/);
  });
});

describe('plan renderers (golden files)', () => {
  const c = createColors(false);
  it('text', () => {
    golden('plan.txt', renderPublicPlan(everyKind(), { c, verbose: false, names }) + '\n');
    golden('plan-empty.txt', renderPublicPlan(offline(), { c, verbose: false }) + '\n');
  });
  it('Markdown', () => {
    golden('plan.md', publicPlanMarkdown(everyKind(), { dir: 'trainings', names, blobUrl: 'https://github.com/acme/support/blob/abc123' }));
  });
  it('JSON', () => {
    golden('plan.json', JSON.stringify(everyKind(), null, 2) + '\n');
  });
});
