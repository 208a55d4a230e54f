// What applying one change ended as, and the counts a run's summary is made of. Failures are data.
import type { Change } from './plan.js';

export type Outcome =
  | { status: 'created' | 'adopted' | 'updated' | 'moved' | 'deleted'; change: Change; id: string; note?: string }
  | { status: 'skipped'; change: Change; reason: string }
  | { status: 'failed'; change: Change; message: string };

export interface ApplyCounts {
  created: number;
  /** Found already made (a lost answer, a lost state file) and taken over: not created by this run. */
  adopted: number;
  updated: number;
  moved: number;
  deleted: number;
  failed: number;
  skipped: number;
}

export function countOutcomes(outcomes: readonly Outcome[]): ApplyCounts {
  const n: ApplyCounts = { created: 0, adopted: 0, updated: 0, moved: 0, deleted: 0, failed: 0, skipped: 0 };
  for (const o of outcomes) n[o.status]++;
  return n;
}

/** Something changed in Open.cx: a write or a delete landed. */
export const changedSomething = (n: ApplyCounts): boolean => n.created + n.adopted + n.updated + n.moved + n.deleted > 0;
