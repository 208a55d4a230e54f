// Change detection: a hash of the normalised fields, so YAML formatting and key order never count as a change.
import { createHash } from 'node:crypto';
import type { TrainingFields } from './training.js';

/** Canonical form: fixed key order, sorted sets. Two equal trainings always give the same string. */
export function canonicalFields(f: TrainingFields): string {
  const base = [f.title, f.content, f.type, f.draft, f.directory, [...f.channels].sort(), [...f.segments].sort()];
  // Appended only when owned: a training without `active` hashes exactly as before the field existed,
  // so an old state file shows nothing changed.
  return JSON.stringify(f.active ? [...base, [f.active.from, f.active.until]] : base);
}

/**
 * Each fields object is hashed once: a plan, the refreshed plan, a saved plan and apply all ask for the
 * same trainings' hashes. Fields objects are never changed once made (a change makes a new object).
 */
const hashed = new WeakMap<TrainingFields, string>();

export function hashFields(f: TrainingFields): string {
  let h = hashed.get(f);
  if (h === undefined) hashed.set(f, (h = createHash('sha256').update(canonicalFields(f)).digest('hex')));
  return h;
}
