// The fingerprint's specialised writer against the generic canonical JSON it replaces: saved plans and
// plan comments carry fingerprints, so for every plan the text hashed must stay exactly the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalSha256 } from '../../src/core/canonical-json.js';
import { fingerprintOf, fingerprinted, fingerprintText, planChanges, type Change } from '../../src/core/plan.js';
import { emptyState, type State } from '../../src/core/state.js';
import { FIELD_NAMES, MANAGED_BY, type RemoteTraining, type Training, type TrainingFields } from '../../src/core/training.js';
import { hashFields } from '../../src/core/hash.js';
import { createHash } from 'node:crypto';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const fieldsArb: fc.Arbitrary<TrainingFields> = fc.record(
  {
    title: fc.oneof(text, fc.constantFrom('T', 'Same title')),
    content: fc.oneof(text, fc.constantFrom('Body', 'Same\nbody')),
    type: fc.constantFrom('SCENARIO_SPECIFIC', 'BEHAVIORAL'),
    draft: fc.boolean(),
    directory: fc.option(fc.constantFrom('dir-a', 'dir-b'), { nil: null }),
    channels: fc.uniqueArray(fc.constantFrom('web', 'email', 'slack'), { maxLength: 3 }).map((xs) => xs.sort()),
    segments: fc.uniqueArray(fc.constantFrom('s1', 's2'), { maxLength: 2 }).map((xs) => xs.sort()),
    active: fc.record({ from: fc.option(fc.constant('2026-01-01T00:00:00.000Z'), { nil: null }), until: fc.constant(null) }),
  },
  { requiredKeys: ['title', 'content', 'type', 'draft', 'directory', 'channels', 'segments'] },
);
const keyArb = fc.constantFrom('a', 'b', 'faq/c', 'd"quoted"', 'É', 'z\u2028');

/** Files, a state, and sometimes what Open.cx holds: every kind of change and drift the planner makes. */
const inputArb = fc
  .record({
    files: fc.uniqueArray(fc.record({ key: keyArb, fields: fieldsArb, pin: fc.option(fc.constantFrom('id-a', 'id-x'), { nil: undefined }), moved: fc.boolean() }), { selector: (f) => f.key, maxLength: 6 }),
    tracked: fc.uniqueArray(fc.record({ key: keyArb, fields: fieldsArb, same: fc.boolean(), writing: fc.boolean(), pending: fc.boolean() }), { selector: (t) => t.key, maxLength: 6 }),
    remote: fc.option(fc.array(fc.record({ of: keyArb, edited: fc.boolean(), tagged: fc.boolean(), id: fc.constantFrom('id-a', 'id-b', 'id-x', 'id-y') }), { maxLength: 5 }), { nil: undefined }),
    prune: fc.boolean(),
    adopt: fc.boolean(),
  })
  .map(({ files, tracked, remote, prune, adopt }) => {
    const byKey = new Map(files.map((f) => [f.key, f]));
    const state: State = emptyState('l');
    for (const t of tracked) {
      const file = byKey.get(t.key);
      const applied = t.same && file ? file.fields : t.fields;
      if (t.pending) state.pending.set(t.key, { path: `${t.key}.md`, hash: 'h' });
      else state.trainings.set(t.key, { id: `id-${t.key}`, path: `${t.key}.md`, hash: hashFields(applied), applied, ...(t.writing ? { writing: { key: t.key, hashes: [] } } : {}) });
    }
    const trainings: Training[] = files.map((f) => ({ key: f.key, path: f.moved ? `moved/${f.key}.md` : `${f.key}.md`, fields: f.fields, ...(f.pin ? { id: f.pin } : {}) }));
    const remoteTrainings = remote?.map((r): RemoteTraining => {
      const f = byKey.get(r.of)?.fields ?? state.trainings.get(r.of)?.applied ?? { title: 'T', content: 'Body', type: 'SCENARIO_SPECIFIC', draft: false, directory: null, channels: [], segments: [] };
      return {
        id: r.id, title: f.title, content: r.edited ? `${f.content}!` : f.content, draft_title: null, draft_content: null, type: f.type, is_draft: f.draft,
        directory_id: f.directory, restricted_to_channels: f.channels, restricted_to_segments: f.segments,
        metadata: r.tagged ? { managed_by: MANAGED_BY, key: r.of } : {}, start_time: null, end_time: null,
      };
    });
    return { trainings, skipped: [], state, prune, adopt, ...(remoteTrainings ? { remote: remoteTrainings } : {}) };
  });

const planned = (input: Parameters<typeof planChanges>[0]): Change[] => {
  try {
    return planChanges(input).changes;
  } catch {
    return [];
  }
};

describe('the fingerprint writer', () => {
  it('writes canonicalJson(fingerprinted(c)) for every change of any plan, and hashes it the same', () => {
    let seen = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const changes = planned(input);
        seen += changes.length;
        for (const c of changes) expect(fingerprintText(c)).toBe(canonicalJson(fingerprinted(c)));
        expect(fingerprintOf(changes)).toBe(canonicalSha256(changes.map(fingerprinted)));
      }),
      { numRuns: 1500 },
    );
    expect(seen).toBeGreaterThan(1000);
  });

  it('writes the same text for changes of any shape: extra keys, undefined values, values the file does not hold', () => {
    const value = fc.oneof(text, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(text, { maxLength: 3 }), fc.integer());
    const change = fc.record({
      key: text,
      path: text,
      fields: fieldsArb,
      hash: text,
      action: fc.constantFrom('create', 'update', 'move'),
      extra: fc.dictionary(fc.string(), value, { maxKeys: 3 }),
      changes: fc.array(fc.record({ field: fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.constant('unknown')), before: value, after: value, own: fc.boolean() }), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(change, ({ extra, changes, ...c }) => {
        // Some field changes' new value is the file's own (left out of the text), some not.
        const fcs = changes.map(({ own, ...x }) => (own ? { ...x, after: (c.fields as unknown as Record<string, unknown>)[x.field] ?? null } : x));
        const ch = { ...extra, ...c, changes: fcs } as unknown as Change;
        expect(fingerprintText(ch)).toBe(canonicalJson(fingerprinted(ch)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the fields hash', () => {
  it('is the sha256 of the fields with channels and segments sorted, copied or not, for any order', () => {
    const anyOrder = fc.record({
      fields: fieldsArb,
      channels: fc.array(fc.oneof(fc.constantFrom('web', 'email', 'Web', 'é', 'e\u0301'), text), { maxLength: 4 }),
      segments: fc.array(fc.oneof(fc.constantFrom('s1', 's10', 's2'), text), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(anyOrder, ({ fields, channels, segments }) => {
        const f = { ...fields, channels, segments };
        const base = [f.title, f.content, f.type, f.draft, f.directory, [...channels].sort(), [...segments].sort()];
        const reference = JSON.stringify(f.active ? [...base, [f.active.from, f.active.until]] : base);
        expect(hashFields(f)).toBe(createHash('sha256').update(reference).digest('hex'));
        expect([f.channels, f.segments]).toEqual([channels, segments]);
      }),
      { numRuns: 2000 },
    );
  });
});
