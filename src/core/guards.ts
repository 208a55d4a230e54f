// What apply refuses, in one place: apply stops (or fails a change) with these words, and plan reports
// the same words as refusals, so a plan never promises what apply will not do.
import type { Change, Plan } from './plan.js';
import { plural } from './plural.js';

export type OnDrift = 'fail' | 'skip' | 'overwrite';
export type DriftKind = 'changed' | 'untagged' | 'deleted';

const DRIFT_TEXT: Record<DriftKind, string> = {
  deleted: 'was deleted in Open.cx since the last apply',
  changed: 'was edited in Open.cx since the last apply',
  untagged: 'had its opencx-sync tag (metadata.key) removed or changed in Open.cx since the last apply',
};

/** Why a change is skipped under --on-drift skip. */
export const driftSkipReason = (kind: DriftKind) => DRIFT_TEXT[kind];

/** Why a change fails under --on-drift fail, and the flags that would let it go ahead. */
export function driftFailure(c: Change, kind: DriftKind): string {
  const fix =
    c.action === 'delete' ? 'delete it anyway' : kind === 'deleted' ? 'recreate it' : kind === 'untagged' ? 'tag it again and write the file to it' : 'replace those edits with the file';
  return `${DRIFT_TEXT[kind]}: run "plan --refresh" to see the edits; apply --on-drift overwrite to ${fix}, or --on-drift skip to leave it`;
}

/** Why apply refuses to run a plan at all: deletes that look like a mistake. */
export function deleteRefusal(plan: Plan, trainings: number, maxDeletes: number): string | undefined {
  const deletes = plan.summary.delete;
  if (deletes === 0) return undefined;
  if (trainings === 0) {
    return `refusing to delete ${plural(deletes, 'training')}: the trainings folder has no trainings, which looks like a wrong --dir rather than an intent to delete everything`;
  }
  if (deletes > maxDeletes) {
    return `refusing to apply: the plan deletes ${plural(deletes, 'training')}, more than --max-deletes ${maxDeletes}; check the plan, then raise --max-deletes`;
  }
  return undefined;
}

/**
 * The drift a change meets, as a refreshed plan knows it (apply reads it the same way: updates from
 * the listing, moves and deletes from the training itself). Null offline: unknown until apply reads it.
 */
export function driftOfChange(plan: Plan, c: Change): DriftKind | null {
  if (c.action === 'update') return c.drift;
  if (c.action === 'create') return c.drift;
  if (!plan.drift || c.id === null || (c.action === 'move' && !c.remote)) return null;
  const tracked = c.action === 'move' ? c.from : c.key;
  const kinds = new Set(plan.drift.filter((d) => d.key === tracked && d.id === c.id).map((d) => d.kind));
  // A delete of a training already gone is no conflict: apply just forgets it.
  if (kinds.has('deleted')) return c.action === 'delete' ? null : 'deleted';
  return kinds.has('untagged') ? 'untagged' : kinds.has('changed') ? 'changed' : null;
}

export interface Verdict {
  /** What apply would refuse: the whole run, or a change under --on-drift fail ("key: why"). */
  refusals: string[];
  /** Changes apply would leave under --on-drift skip ("key: why"). */
  skips: string[];
}

/** What apply would do with this plan beyond its changes: the same words apply uses. */
export function verdictOf(plan: Plan, opts: { trainings: number; maxDeletes: number; onDrift: OnDrift }): Verdict {
  const refusals: string[] = [];
  const skips: string[] = [];
  const whole = deleteRefusal(plan, opts.trainings, opts.maxDeletes);
  if (whole) refusals.push(whole);
  for (const c of plan.changes) {
    const kind = driftOfChange(plan, c);
    if (!kind || opts.onDrift === 'overwrite') continue;
    if (opts.onDrift === 'skip') skips.push(`${c.key}: ${driftSkipReason(kind)}`);
    else refusals.push(`${c.key}: ${driftFailure(c, kind)}`);
  }
  return { refusals, skips };
}
