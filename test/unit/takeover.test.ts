// Taking over an organisation, in the pure core: the active window (parse, hash, payload) and adoption
// of trainings made outside the tool (by trigger phrase and type, or a pinned id).
import { describe, expect, it } from 'vitest';
import { hashFields } from '../../src/core/hash.js';
import { FULL_YAML } from '../../src/core/front-matter-yaml.js';
import { parseTrainingFile } from '../../src/core/parse.js';
import { planChanges } from '../../src/core/plan.js';
import { toPublicPlan } from '../../src/core/plan-contract.js';
import { emptyState } from '../../src/core/state.js';
import { isIsoDateTime, MANAGED_BY, toPayload, type RemoteTraining, type Training } from '../../src/core/training.js';
import { fields, stateOf, training } from './builders.js';

const names = { directories: new Map<string, string>(), segments: new Map<string, string>() };
const parse = (text: string) => parseTrainingFile({ path: 'a.md', displayPath: 'trainings/a.md', text }, names, FULL_YAML);
const errors = (text: string) => {
  const r = parse(text);
  return r.kind === 'invalid' ? r.issues.map((i) => `${i.line}:${i.col} ${i.message}`) : [];
};

function dashboard(id: string, over: Partial<RemoteTraining> = {}): RemoteTraining {
  return {
    id, title: `T ${id}`, content: 'Content', draft_title: null, draft_content: null, type: 'SCENARIO_SPECIFIC', is_draft: false,
    directory_id: null, restricted_to_channels: [], restricted_to_segments: [], metadata: {}, start_time: null, end_time: null,
    created_at: '2026-01-01T00:00:00.000Z', ...over,
  };
}

const adoptPlan = (trainings: Training[], remote: RemoteTraining[], adopt = true, state = emptyState('l')) =>
  planChanges({ trainings, skipped: [], state, prune: false, remote, adopt });
const brief = (p: ReturnType<typeof adoptPlan>) => toPublicPlan(p, { dir: 'trainings' }).changes.map((c) => `${c.action} ${c.key} ${c.id ?? '-'}: ${c.reason}`);

describe('active: the window a file may own', () => {
  it('reads from/until into canonical UTC instants, and null as "owned, no window"', () => {
    const r = parse('---\ntitle: T\nactive:\n  from: 2026-01-31T10:00:00+01:00\n  until: "2026-02-01T00:00:00Z"\n---\nB');
    expect(r.kind === 'training' && r.training.fields.active).toEqual({ from: '2026-01-31T09:00:00.000Z', until: '2026-02-01T00:00:00.000Z' });
    const none = parse('---\ntitle: T\nactive: null\n---\nB');
    expect(none.kind === 'training' && none.training.fields.active).toEqual({ from: null, until: null });
    const absent = parse('---\ntitle: T\n---\nB');
    expect(absent.kind === 'training' && 'active' in absent.training.fields).toBe(false);
  });

  it('refuses a time without a timezone, an impossible date, and from not before until, with file positions', () => {
    expect(errors('---\ntitle: T\nactive:\n  from: 2026-01-31T10:00:00\n---\nB')).toEqual([
      '4:9 active.from: must be an ISO 8601 date-time with a timezone, e.g. 2026-01-31T09:00:00Z or 2026-01-31T10:00:00+01:00',
    ]);
    expect(errors('---\ntitle: T\nactive:\n  from: 2026-02-30T10:00:00Z\n---\nB')[0]).toMatch(/^4:9 active.from: must be an ISO 8601/);
    expect(errors('---\ntitle: T\nactive:\n  from: 2026-02-02T00:00:00Z\n  until: 2026-02-01T00:00:00Z\n---\nB')).toEqual([
      '5:10 active.until: active.from must be before active.until',
    ]);
    expect(errors('---\ntitle: T\nactive:\n  start: 2026-02-02T00:00:00Z\n---\nB')[0]).toMatch(/^4:\d+ active: unknown key "start": active takes from and until$/);
    expect(isIsoDateTime('2026-01-31T10:00Z')).toBe(true);
    expect(isIsoDateTime('2026-01-31')).toBe(false);
  });

  it('content: in the front-matter holds text a body cannot, exactly; never together with a body', () => {
    const r = parse('---\ntitle: T\ncontent: "\\n\\nLine  \\r\\nend  "\n---\n');
    expect(r.kind === 'training' && r.training.fields.content).toBe('\n\nLine  \r\nend  ');
    expect(errors('---\ntitle: T\ncontent: "x"\n---\nBody too\n')).toEqual(['5:1 the body is not empty, but "content:" in the front-matter sets the content: keep one of them']);
  });

  it('leaves the hash of a training without a window as it always was (old state files show no change)', () => {
    // sha256 of the canonical form before `active` existed, as state files written by earlier versions hold it.
    expect(hashFields(fields())).toBe('00ea00b8e2a018c26d1c15f89b49da1704e25879a9cb491893eccd4e413c7cc2');
    expect(hashFields({ ...fields(), active: { from: null, until: null } })).not.toBe('00ea00b8e2a018c26d1c15f89b49da1704e25879a9cb491893eccd4e413c7cc2');
  });

  it('keeps foreign metadata and a window the file does not own; sets the window a file owns', () => {
    const base = dashboard('x', { metadata: { zendesk: { id: 7 }, managed_by: 'old' }, start_time: '2026-01-01T00:00:00.123456Z', end_time: null });
    expect(toPayload('k', fields(), '', base)).toMatchObject({ metadata: { zendesk: { id: 7 }, managed_by: MANAGED_BY, key: 'k' }, start_time: '2026-01-01T00:00:00.123456Z' });
    expect('end_time' in toPayload('k', fields(), '', base)).toBe(false);
    // The same instant goes back in Open.cx's own spelling; a new bound in ours.
    const owned = toPayload('k', fields({ active: { from: '2026-01-01T00:00:00.123Z', until: '2026-03-01T00:00:00.000Z' } }), '', base);
    expect(owned).toMatchObject({ start_time: '2026-01-01T00:00:00.123456Z', end_time: '2026-03-01T00:00:00.000Z' });
    expect(toPayload('k', fields(), '')).not.toHaveProperty('start_time');
  });
});

describe('adoption of trainings made outside the tool', () => {
  const faq = training('faq', { title: 'What are your hours?' });

  it('adopts the one training with the same trigger phrase (trimmed, exact) and type, with the field diff', () => {
    const p = adoptPlan([faq], [dashboard('d1', { title: '  What are your hours? ', content: 'Old' }), dashboard('d2', { title: 'what are your hours?' })]);
    expect(brief(p)).toEqual(['adopt faq d1: same trigger phrase in Open.cx']);
    expect(p.changes[0]?.changes.map((c) => c.field)).toEqual(['title', 'content']);
    expect(p.conflicts).toEqual([]);
  });

  it('never matches another type, a training another tool tagged, or one the state tracks', () => {
    const tracked = training('old', { title: 'What are your hours?' });
    const state = stateOf([tracked]);
    const remote = [
      dashboard('d1', { title: 'What are your hours?', type: 'BEHAVIORAL' }),
      dashboard('d2', { title: 'What are your hours?', metadata: { managed_by: 'kb-sync' } }),
      dashboard('id-old', { title: 'What are your hours?' }), // tracked, its tag removed in the dashboard
    ];
    expect(brief(adoptPlan([tracked, faq], remote, true, state)).filter((l) => l.includes('faq'))).toEqual(['create faq -: new file']);
  });

  it('--no-adopt creates, as before', () => {
    expect(brief(adoptPlan([faq], [dashboard('d1', { title: 'What are your hours?' })], false))).toEqual(['create faq -: new file']);
  });

  it('two candidates for one file, and two files for one training, are conflicts naming the ids and files', () => {
    const two = adoptPlan([faq], [dashboard('d1', { title: 'What are your hours?' }), dashboard('d2', { title: 'What are your hours?' })]);
    expect(two.conflicts).toEqual([expect.stringContaining('faq.md: 2 trainings in Open.cx have its trigger phrase and type (d1, d2)')]);
    const copy = training('faq-copy', { title: 'What are your hours?' });
    const both = adoptPlan([faq, copy], [dashboard('d1', { title: 'What are your hours?' })]);
    expect(both.conflicts).toEqual([expect.stringContaining('faq.md, faq-copy.md: these files all match training d1')]);
    // Both pin it: the advice is to keep the pin in one file, not to pin it.
    const pins = adoptPlan([{ ...faq, id: 'd1' }, { ...training('other', { title: 'Other' }), id: 'd1' }], [dashboard('d1', { title: 'What are your hours?' })]);
    expect(pins.conflicts).toEqual(['faq.md, other.md: these files all pin id d1 with "id:": keep "id: d1" in the one file that holds that training']);
  });

  it('a training a sync: false file pins is neither adopted nor doubled by another file with its trigger phrase: a conflict', () => {
    const p = planChanges({ trainings: [faq], skipped: [{ key: 'left-alone', path: 'left-alone.md', id: 'd1' }], state: emptyState('l'), prune: false, remote: [dashboard('d1', { title: 'What are your hours?' })], adopt: true });
    expect(p.conflicts).toEqual([`faq.md: has the trigger phrase and type of training d1, which left-alone.md leaves alone (sync: false, or "ignore" in the config): reword one of them, or let faq.md take it over by removing that file's "id:"`]);
  });

  it('a pinned id adopts that training whatever its title, offline too; a missing or foreign one is a conflict', () => {
    const pinned: Training = { ...training('faq', { title: 'Opening hours' }), id: 'd9' };
    expect(brief(adoptPlan([pinned], [dashboard('d9')]))).toEqual(['adopt faq d9: pinned id']);
    const offline = planChanges({ trainings: [pinned], skipped: [], state: emptyState('l'), prune: false, adopt: true });
    expect(brief(offline)).toEqual(['adopt faq d9: pinned id']);
    expect(adoptPlan([pinned], [dashboard('d1')]).conflicts).toEqual([expect.stringContaining('pins id d9, which Open.cx does not hold')]);
    expect(adoptPlan([pinned], [dashboard('d9', { metadata: { managed_by: 'kb-sync' } })]).conflicts).toEqual([expect.stringContaining('tagged by another tool')]);
  });

  it('a pinned id is never passed over for another training that carries the file\'s key: a conflict naming both', () => {
    const pinned: Training = { ...training('faq', { title: 'Opening hours' }), id: 'd9' };
    // An untracked training of ours carrying key "faq" (a run whose answer was lost), and the pinned dashboard one.
    const ours = dashboard('t1', { metadata: { managed_by: MANAGED_BY, key: 'faq' } });
    const p = adoptPlan([pinned], [ours, dashboard('d9')]);
    expect(p.conflicts).toEqual([expect.stringMatching(/faq\.md: pins id d9, but training t1 in Open\.cx carries its key "faq"/)]);
    // Pinning the one that carries the key adopts it, as before.
    expect(brief(adoptPlan([{ ...pinned, id: 't1' }], [ours, dashboard('d9')]))).toEqual([expect.stringMatching(/^adopt faq t1/)]);
  });

  it('a pinned id the state tracks under a removed file is a rename of it', () => {
    const old = training('old', { title: 'Opening hours' });
    const pinned: Training = { ...training('hours', { title: 'Opening hours', content: 'New' }), id: 'id-old' };
    expect(brief(adoptPlan([pinned], [], true, stateOf([old])))).toEqual(['move hours id-old: renamed']);
  });
});
