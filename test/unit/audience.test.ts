// The audience model: who a training reaches, always-on totals per audience, the view, and the plan's
// affected audiences. Built in memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affectedAudiences, type AffectedAudience, audienceView, behavioralTotals, EVERYONE, reaches } from '../../src/core/audience.js';
import { planChanges } from '../../src/core/plan.js';
import { CHANNELS, type Channel, type TrainingFields } from '../../src/core/training.js';
import type { Plan } from '../../src/core/plan.js';
import { fields, stateOf, training } from './builders.js';

const VIP = 'seg-vip';

describe('reaches', () => {
  const cases: [string, Partial<TrainingFields>, Channel, string | undefined, boolean][] = [
    ['unrestricted, any audience', {}, 'sms', VIP, true],
    ['listed channel', { channels: ['web'] }, 'web', undefined, true],
    ['other channel', { channels: ['web'] }, 'sms', undefined, false],
    ['segment only for its segment', { segments: [VIP] }, 'web', VIP, true],
    ['segment-only training, customers in no segment', { segments: [VIP] }, 'web', EVERYONE, false],
    ['a draft reaches nobody', { draft: true }, 'web', undefined, false],
  ];
  it.each(cases)('%s', (_name, over, channel, segment, expected) => {
    expect(reaches(fields(over), channel, segment)).toBe(expected);
  });
});

describe('behavioralTotals', () => {
  it('adds the unrestricted rules to each segment, per channel, and names the largest', () => {
    const ts = [
      training('tone', { type: 'BEHAVIORAL', title: 'T', content: 'x'.repeat(99) }),
      training('vip', { type: 'BEHAVIORAL', title: 'V', content: 'x'.repeat(199), segments: [VIP], channels: ['web'] }),
      training('q', { segments: [VIP] }),
    ];
    const totals = behavioralTotals(ts);
    const at = (c: string, s: string) => totals.find((a) => a.channel === c && a.segment === s);
    expect(at('web', EVERYONE)).toMatchObject({ size: 100, largest: { key: 'tone' } });
    expect(at('web', VIP)).toMatchObject({ size: 300, largest: { key: 'vip' } });
    expect(at('sms', VIP)).toMatchObject({ size: 100, largest: { key: 'tone' } });
  });
});

describe('audienceView', () => {
  const ts = [
    training('tone', { type: 'BEHAVIORAL', title: 'Tone', content: 'Be brief.' }),
    training('voice', { type: 'BEHAVIORAL', title: 'Voice', content: 'Speak slowly.', channels: ['phone_voice'] }),
    training('billing/refunds', { title: 'Refund?', directory: 'dir-billing', channels: ['web'] }),
    training('vip', { title: 'Discount?', segments: [VIP] }),
    training('draft', { title: 'Later', draft: true }),
  ];

  it('lists the always-on rules with their size and the scenario trainings by directory', () => {
    const v = audienceView(ts, { channel: 'web' }, 8_000);
    expect(v.behavioral.map((b) => [b.key, b.size])).toEqual([['tone', 13]]);
    expect(v.behavioralSize).toBe(13);
    expect(v.scenarios.map((d) => [d.directory, d.trainings.map((t) => t.key)])).toEqual([['dir-billing', ['billing/refunds']], [null, ['vip']]]);
    expect(v.drafts).toBe(1);
  });

  it('filters by channel and segment; "none" (EVERYONE) leaves out segment-only trainings', () => {
    expect(audienceView(ts, { channel: 'phone_voice', segment: VIP }, 8_000).behavioral.map((b) => b.key)).toEqual(['tone', 'voice']);
    expect(audienceView(ts, { segment: EVERYONE }, 8_000).scenarios.flatMap((d) => d.trainings.map((t) => t.key))).toEqual(['billing/refunds']);
    expect(audienceView(ts, {}, 8_000).worst).toEqual({ channel: 'phone_voice', segment: EVERYONE, size: 31 });
  });
});

describe('affectedAudiences', () => {
  it('counts creates, changes and removals per channel and segment, with the always-on change', () => {
    const before = [
      training('tone', { type: 'BEHAVIORAL', title: 'Tone', content: 'Be brief.', channels: ['web'] }),
      training('old', { title: 'Old', content: 'Old answer.', channels: ['sms'] }),
    ];
    const after = [
      training('tone', { type: 'BEHAVIORAL', title: 'Tone', content: 'Be brief and kind.', channels: ['web'] }),
      // Another title and another body: not a rename of 'old' (the rename rule pairs same content or same title).
      training('new', { title: 'New', content: 'New answer.', channels: ['web'], segments: [VIP] }),
    ];
    const plan = planChanges({ trainings: after, skipped: [], state: stateOf(before), prune: true });
    const rows = affectedAudiences(plan).map((r) => `${r.dimension} ${r.value}: +${r.created} ~${r.changed} -${r.removed} ${r.behavioralDelta}`);
    expect(rows).toEqual([
      'channel web: +1 ~1 -0 9',
      'channel sms: +0 ~0 -1 0',
      `segment ${EVERYONE}: +0 ~1 -1 9`,
      `segment ${VIP}: +1 ~1 -1 9`,
    ]);
  });

  it('counts as the change-by-change reference does, for any plan', () => {
    const side = fc.record({
      title: fc.constantFrom('T', 'Tone', 'Ü'),
      content: fc.string({ maxLength: 20 }),
      type: fc.constantFrom('SCENARIO_SPECIFIC', 'BEHAVIORAL'),
      draft: fc.boolean(),
      channels: fc.uniqueArray(fc.constantFrom<Channel>('web', 'sms', 'email'), { maxLength: 2 }).map((xs) => xs.sort()),
      segments: fc.uniqueArray(fc.constantFrom(VIP, 's2', 'é', 'e\u0301'), { maxLength: 2 }).map((xs) => xs.sort()),
    });
    const files = fc.uniqueArray(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), now: fc.option(side, { nil: undefined }), was: fc.option(side, { nil: undefined }) }), { selector: (f) => f.key });
    fc.assert(
      fc.property(files, fc.boolean(), (fs, prune) => {
        const trainings = fs.flatMap((f) => (f.now ? [training(f.key, f.now)] : []));
        const applied = fs.flatMap((f) => (f.was ? [training(f.key, f.was)] : []));
        const plan = planChanges({ trainings, skipped: [], state: stateOf(applied), prune });
        expect(affectedAudiences(plan)).toEqual(referenceAudiences(plan));
      }),
      { numRuns: 1000 },
    );
  });

  it('a plan with no changes touches no audience', () => {
    const ts = [training('a')];
    expect(affectedAudiences(planChanges({ trainings: ts, skipped: [], state: stateOf(ts), prune: false }))).toEqual([]);
  });
});

describe('Affected audiences in the Markdown plan', () => {
  it('is a table after the changes, with segment names from the config', async () => {
    const { planMarkdown } = await import('../../src/render/markdown.js');
    const ts = [training('vip', { type: 'BEHAVIORAL', title: 'VIP', content: 'Thank them.', segments: [VIP], channels: ['web'] })];
    const md = planMarkdown(planChanges({ trainings: ts, skipped: [], state: stateOf([]), prune: false }), { dir: 'trainings', names: { directories: new Map(), segments: new Map([['VIP customers', VIP]]) } });
    expect(md).toContain(
      ['#### Affected audiences', '', '| Audience | Trainings | Always-on change |', '| --- | --- | --- |',
        '| channel web | 1 created, 0 changed, 0 removed | +14 characters |', '| segment "VIP customers" | 1 created, 0 changed, 0 removed | +14 characters |'].join('\n'),
    );
  });
});

/** affectedAudiences as it was before it grouped changes: one pass per change and audience. */
function referenceAudiences(plan: Plan): AffectedAudience[] {
  const includes = <T>(list: readonly T[], v: T) => list.length === 0 || list.includes(v);
  const beforeOf = (after: TrainingFields | undefined, changes: Plan['changes'][number]['changes']): TrainingFields | undefined => {
    const f: Record<string, unknown> = { ...(after ?? {}) };
    for (const c of changes) f[c.field] = c.before;
    if (typeof f.title !== 'string' || typeof f.content !== 'string' || !Array.isArray(f.channels) || !Array.isArray(f.segments)) return undefined;
    return f as unknown as TrainingFields;
  };
  const sides: { before: TrainingFields | undefined; after: TrainingFields | undefined; kind: 'created' | 'changed' | 'removed' }[] = [];
  const segments = new Set<string>([EVERYONE]);
  for (const ch of plan.changes) {
    if (ch.changes.length === 0) continue;
    const isNew = ch.action === 'create' && !(ch.adopt && plan.drift !== null);
    const before = isNew ? undefined : beforeOf(ch.action === 'delete' ? undefined : ch.fields, ch.changes);
    const after = ch.action === 'delete' ? undefined : ch.fields;
    const kind = isNew ? 'created' : ch.action === 'delete' ? 'removed' : 'changed';
    if (!before && !after) continue;
    sides.push({ before, after, kind });
    for (const f of [before, after]) for (const s of f?.segments ?? []) segments.add(s);
  }
  const rows = new Map<string, AffectedAudience>();
  const size = (f: TrainingFields | undefined, inside: boolean) => (f && inside && f.type === 'BEHAVIORAL' && !f.draft ? f.title.length + f.content.length : 0);
  for (const s of sides) {
    const touch = (dimension: AffectedAudience['dimension'], value: string, inBefore: boolean, inAfter: boolean) => {
      if (!inBefore && !inAfter) return;
      const id = `${dimension} ${value}`;
      const r = rows.get(id) ?? { dimension, value, created: 0, changed: 0, removed: 0, behavioralDelta: 0 };
      rows.set(id, r);
      r[s.kind]++;
      r.behavioralDelta += size(s.after, inAfter) - size(s.before, inBefore);
    };
    for (const c of CHANNELS) touch('channel', c, !!s.before && includes(s.before.channels, c), !!s.after && includes(s.after.channels, c));
    for (const seg of segments) {
      const hit = (f: TrainingFields | undefined) => f !== undefined && (seg === EVERYONE ? f.segments.length === 0 : includes(f.segments, seg));
      touch('segment', seg, hit(s.before), hit(s.after));
    }
  }
  const all = [...rows.values()];
  const order = (r: AffectedAudience) => (r.dimension === 'channel' ? CHANNELS.indexOf(r.value as Channel) : CHANNELS.length + (r.value === EVERYONE ? 0 : 1));
  return [...all.filter((r) => r.dimension === 'channel'), ...all.filter((r) => r.dimension === 'segment')].sort((a, b) => order(a) - order(b) || a.value.localeCompare(b.value));
}
