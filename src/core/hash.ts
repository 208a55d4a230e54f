// Change detection: a hash of the normalised fields, so YAML formatting and key order never count as a change.
import { hash } from 'node:crypto';
import type { TrainingFields } from './training.js';

/**
 * sha256 (hex) of a string's UTF-8 bytes in one call: no Hash object per input, which for the short
 * strings of a plan (a training's fields, a body) costs more than the hashing (Node >= 20.12, 21.7).
 */
export const sha256Hex = (s: string): string => hash('sha256', s, 'hex');

/** Canonical form: fixed key order, sorted sets. Two equal trainings always give the same string. */
export function canonicalFields(f: TrainingFields): string {
  const base = [f.title, f.content, f.type, f.draft, f.directory, sortedCopy(f.channels), sortedCopy(f.segments)];
  // Appended only when owned: a training without `active` hashes exactly as before the field existed,
  // so an old state file shows nothing changed.
  return JSON.stringify(f.active ? [...base, [f.active.from, f.active.until]] : base);
}

/** The list sorted as Array.prototype.sort() sorts strings (by code unit): copied only when it is not already (a file's never is). */
function sortedCopy(xs: readonly string[]): readonly string[] {
  for (let i = 1; i < xs.length; i++) {
    const a = xs[i - 1];
    const b = xs[i];
    if (typeof a !== 'string' || typeof b !== 'string' || !(a <= b)) return [...xs].sort();
  }
  return xs;
}

/**
 * Each fields object is hashed once: a plan, the refreshed plan, a saved plan and apply all ask for the
 * same trainings' hashes. Fields objects are never changed once made (a change makes a new object).
 */
const hashed = new WeakMap<TrainingFields, string>();

export function hashFields(f: TrainingFields): string {
  let h = hashed.get(f);
  if (h === undefined) hashed.set(f, (h = sha256Hex(canonicalFields(f))));
  return h;
}
