// The sandbox's named readings of what the API docs leave open: each one switches the strict default
// for one other plausible behaviour, so the tests (and `opencx-sync doctor`) can be run under each.
import type { Behaviour } from './model.js';

export const READINGS = new Map<string, Partial<Behaviour>>([
  ['strict', {}],
  ['put-keeps-omitted', { putOmitted: 'keep' }],
  ['put-rejects-metadata', { putMetadata: 'reject' }],
  ['put-ignores-metadata', { putMetadata: 'ignore' }],
  ['create-200', { createStatus: 200 }],
  ['draft-toggles', { draftEndpoint: 'toggle' }],
  ['list-oldest-first', { listOrder: 'oldest' }],
  ['delete-200-body', { deleteStatus: 200 }],
  ['rate-limit-headers', { rateLimitHeaders: true }],
]);

export const READING_NAMES = [...READINGS.keys()];

/** The behaviour of several readings at once; unknown names, and two that set one switch differently, throw. */
export function behaviourOf(names: readonly string[]): Partial<Behaviour> {
  const out: Partial<Behaviour> = {};
  const setBy = new Map<string, string>();
  for (const name of names) {
    const r = READINGS.get(name);
    if (!r) throw new Error(`unknown reading "${name}": one of ${READING_NAMES.join(', ')}`);
    for (const [k, v] of Object.entries(r)) {
      const other = setBy.get(k);
      if (other !== undefined && other !== name && out[k as keyof Behaviour] !== v) throw new Error(`readings "${other}" and "${name}" contradict each other: pick one`);
      setBy.set(k, name);
    }
    Object.assign(out, r);
  }
  return out;
}
