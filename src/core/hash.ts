// Change detection: a hash of the normalised fields, so YAML formatting and key order never count as a change.
import { createHash } from 'node:crypto';
import type { TrainingFields } from './training.js';

/** Canonical form: fixed key order, sorted sets. Two equal trainings always give the same string. */
export function canonicalFields(f: TrainingFields): string {
  return JSON.stringify([
    f.title,
    f.content,
    f.type,
    f.draft,
    f.directory,
    [...f.channels].sort(),
    [...f.segments].sort(),
  ]);
}

export function hashFields(f: TrainingFields): string {
  return createHash('sha256').update(canonicalFields(f)).digest('hex');
}
