// The quick state check gives exactly the schema's value wherever it answers, and answers for every
// state this version writes; on anything else the schema decides. Checked over generated states,
// damaged ones included (a wrong type, a missing or extra key, a bad version or serial).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readStateQuickly } from '../../src/core/state-fast.js';
import { parseStateSlowly, serializeState, type State } from '../../src/core/state.js';

const text = fc.oneof(fc.string(), fc.constantFrom('', '__proto__', 'constructor', 'a/b'));
const fields = fc.record({
  title: text,
  content: text,
  type: fc.constantFrom('SCENARIO_SPECIFIC', 'BEHAVIORAL', 'NEW_TYPE'),
  draft: fc.boolean(),
  directory: fc.option(text, { nil: null }),
  channels: fc.array(text, { maxLength: 3 }),
  segments: fc.array(text, { maxLength: 3 }),
  active: fc.record({ from: fc.option(text, { nil: null }), until: fc.option(text, { nil: null }) }),
}, { requiredKeys: ['title', 'content', 'type', 'draft', 'directory', 'channels', 'segments'] });
const entry = fc.record(
  { id: fc.string({ minLength: 1 }), path: text, hash: text, applied: fields, tag: fc.option(text, { nil: null }), writing: fc.record({ key: text, hashes: fc.array(text, { maxLength: 2 }) }) },
  { requiredKeys: ['id', 'path', 'hash', 'applied'] },
);
// The default namespace's state (written as version 1) and a namespaced one (version 2).
const state = fc.record({
  namespace: fc.constantFrom('', 'billing', 'product-2'),
  lineage: fc.string({ minLength: 1 }),
  serial: fc.nat(),
  trainings: fc.array(fc.tuple(text, entry), { maxLength: 5 }),
  pending: fc.array(fc.tuple(text, fc.record({ path: text, hash: text })), { maxLength: 3 }),
}).map((s): State => ({ ...s, version: s.namespace === '' ? 1 : 2, trainings: new Map(s.trainings), pending: new Map(s.pending) }));

/** One damage somewhere in the JSON: a value replaced, a key removed or added. */
const WEIRD = [null, 0, -1, 1.5, 2 ** 60, '', 'x', true, [], {}, ['x'], [1]];
function damage(json: unknown, pick: number, how: number, weird: unknown): unknown {
  const nodes: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (v && typeof v === 'object') {
      if (!Array.isArray(v)) nodes.push(v as Record<string, unknown>);
      Object.values(v).forEach(walk);
    }
  };
  walk(json);
  const node = nodes[pick % nodes.length] as Record<string, unknown>;
  const keys = Object.keys(node);
  const k = keys[pick % Math.max(keys.length, 1)];
  if (how === 0 && k !== undefined) node[k] = weird;
  else if (how === 1 && k !== undefined) delete node[k];
  else node[`extra${how}`] = weird;
  return json;
}

describe('the quick state check', () => {
  it('answers for every state this version writes, with the schema value', () => {
    fc.assert(
      fc.property(state, (s) => {
        const json: unknown = JSON.parse(serializeState(s));
        const quick = readStateQuickly(json);
        expect(quick).toBeDefined();
        expect({ state: quick }).toStrictEqual(parseStateSlowly(JSON.parse(serializeState(s))));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives the schema value or no answer for damaged states, never a different value', () => {
    let refused = 0;
    fc.assert(
      fc.property(state, fc.nat(), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...WEIRD), (s, pick, how, weird) => {
        const json = damage(JSON.parse(serializeState(s)), pick, how, structuredClone(weird));
        const slow = parseStateSlowly(structuredClone(json));
        const quick = readStateQuickly(json);
        if (quick === undefined) refused++;
        else expect({ state: quick }).toStrictEqual(slow);
        // Whatever the schema refuses, the quick check refuses too.
        if ('error' in slow) expect(quick).toBeUndefined();
      }),
      { numRuns: 3_000 },
    );
    expect(refused).toBeGreaterThan(500);
  });
});
