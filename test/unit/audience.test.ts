// The audience model: who a training reaches, always-on totals per audience, the view, and the plan's
// affected audiences. Built in memory.
import { describe, expect, it } from 'vitest';
import { affectedAudiences, audienceView, behavioralTotals, EVERYONE, reaches } from '../../src/core/audience.js';
import { planChanges } from '../../src/core/plan.js';
import type { Channel, TrainingFields } from '../../src/core/training.js';
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
