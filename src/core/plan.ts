// (desired trainings, state[, remote]) -> Plan. Pure: a value to print, save as JSON and test as a table.
import { hashFields } from './hash.js';
import type { State, StateEntry } from './state.js';
import {
  FIELD_NAMES,
  fieldsOfRemote,
  keyOfRemote,
  type FieldName,
  type RemoteTraining,
  type Training,
  type TrainingFields,
} from './training.js';

export const PLAN_FORMAT_VERSION = 1;

export interface FieldChange {
  field: FieldName;
  before: unknown;
  after: unknown;
}

interface Desired {
  key: string;
  path: string;
  fields: TrainingFields;
  hash: string;
}

export type Change =
  | (Desired & {
      action: 'create';
      /** A previous run may have created it already: look it up by key before creating. */
      lookup: boolean;
      /** Found by refresh: an existing managed training with this key, to adopt instead of creating. */
      adopt: string | null;
      drift: 'deleted' | null;
      changes: FieldChange[];
    })
  | (Desired & { action: 'update'; id: string; drift: 'changed' | null; changes: FieldChange[] })
  | (Desired & {
      action: 'move';
      id: string;
      from: string;
      fromPath: string;
      /** False when only the file moved and the key is pinned: nothing to send, the state just follows. */
      remote: boolean;
      changes: FieldChange[];
    })
  | { action: 'delete'; key: string; path: string; id: string | null; changes: FieldChange[] };

export type Action = Change['action'];

export interface Drift {
  key: string;
  /** changed: edited by hand since our last apply; deleted: gone remotely; untracked: managed, but not in state. */
  kind: 'changed' | 'deleted' | 'untracked';
  id: string;
  changes: FieldChange[];
}

export interface Plan {
  format_version: typeof PLAN_FORMAT_VERSION;
  changes: Change[];
  /** Trainings whose file is gone, kept because the run was not asked to --prune. */
  orphans: { key: string; path: string; id: string | null }[];
  /** Only with a refresh (the remote was read); null for an offline plan. */
  drift: Drift[] | null;
  summary: Record<Action | 'unchanged', number>;
}

export interface PlanInput {
  trainings: Training[];
  /** Keys of `sync: false` files: left alone even when their state entry would otherwise be orphaned. */
  skipped: { key: string }[];
  state: State;
  prune: boolean;
  /** Managed trainings as listed by the API, for `plan --refresh`. */
  remote?: RemoteTraining[];
}

export function diffFields(before: TrainingFields | undefined, after: TrainingFields | undefined): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of FIELD_NAMES) {
    const b = before?.[field] ?? null;
    const a = after?.[field] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) changes.push({ field, before: b, after: a });
  }
  return changes;
}

export function planChanges(input: PlanInput): Plan {
  const { state, prune } = input;
  const desired: Desired[] = input.trainings.map((t) => ({ ...t, hash: hashFields(t.fields) }));
  const desiredKeys = new Set(desired.map((d) => d.key));
  const skippedKeys = new Set(input.skipped.map((s) => s.key));
  const drift = input.remote ? detectDrift(state, input.remote) : null;
  const remoteById = new Map((input.remote ?? []).map((r) => [r.id, r]));
  const driftByKey = new Map((drift ?? []).map((d) => [d.key, d]));
  const changes: Change[] = [];
  let unchanged = 0;

  const fresh: Desired[] = [];
  for (const d of desired) {
    const entry = state.trainings[d.key];
    if (!entry) {
      fresh.push(d);
      continue;
    }
    const dr = driftByKey.get(d.key);
    if (dr?.kind === 'deleted') {
      changes.push({ ...d, action: 'create', lookup: false, adopt: null, drift: 'deleted', changes: diffFields(undefined, d.fields) });
    } else if (dr?.kind === 'changed') {
      // Edited by hand to exactly what the file now says is no conflict: the write only updates the state.
      const toFile = diffFields(fieldsOfRemote(remoteById.get(entry.id) as RemoteTraining), d.fields);
      changes.push({ ...d, action: 'update', id: entry.id, drift: toFile.length ? 'changed' : null, changes: toFile });
    } else if (entry.hash !== d.hash) {
      changes.push({ ...d, action: 'update', id: entry.id, drift: null, changes: diffFields(entry.applied, d.fields) });
    } else if (entry.path !== d.path) {
      changes.push({ ...d, action: 'move', id: entry.id, from: d.key, fromPath: entry.path, remote: false, changes: [] });
    } else unchanged++;
  }

  // A file renamed to a new key is the same training: pair it with an orphaned entry, by identical
  // content first, then by identical trigger phrase (renamed and edited in one go).
  const orphans = Object.keys(state.trainings)
    .filter((k) => !desiredKeys.has(k) && !skippedKeys.has(k))
    .sort();
  const taken = new Set<string>();
  const byHash = new Map<string, string[]>();
  for (const k of orphans) {
    const h = (state.trainings[k] as StateEntry).hash;
    byHash.set(h, [...(byHash.get(h) ?? []), k]);
  }
  const matchOrphan = (d: Desired): string | undefined => {
    const sameHash = byHash.get(d.hash)?.find((k) => !taken.has(k));
    if (sameHash) return sameHash;
    return orphans.find((k) => {
      const a = (state.trainings[k] as StateEntry).applied;
      return !taken.has(k) && a.title === d.fields.title && a.type === d.fields.type;
    });
  };
  const remoteByKey = new Map<string, RemoteTraining>();
  for (const r of input.remote ?? []) {
    const k = keyOfRemote(r);
    if (k !== undefined && !remoteByKey.has(k)) remoteByKey.set(k, r);
  }

  for (const d of [...fresh].sort((a, b) => a.key.localeCompare(b.key))) {
    const pending = state.pending[d.key];
    const from = pending ? undefined : matchOrphan(d);
    if (from !== undefined) {
      taken.add(from);
      const entry = state.trainings[from] as StateEntry;
      changes.push({
        ...d, action: 'move', id: entry.id, from, fromPath: entry.path, remote: true,
        changes: diffFields(entry.applied, d.fields),
      });
      continue;
    }
    const existing = remoteByKey.get(d.key);
    changes.push({
      ...d, action: 'create', lookup: pending !== undefined && !input.remote, adopt: existing?.id ?? null, drift: null,
      changes: existing ? diffFields(fieldsOfRemote(existing), d.fields) : diffFields(undefined, d.fields),
    });
  }

  const kept: Plan['orphans'] = [];
  const gone = [
    ...orphans
      .filter((k) => !taken.has(k))
      .map((k) => {
        const e = state.trainings[k] as StateEntry;
        return { key: k, path: e.path, id: e.id as string | null, applied: e.applied as TrainingFields | undefined };
      }),
    // A create that was started for a file since removed may exist remotely: look it up to delete it.
    ...Object.keys(state.pending)
      .filter((k) => !desiredKeys.has(k) && !skippedKeys.has(k) && !state.trainings[k])
      .map((k) => ({ key: k, path: state.pending[k]?.path ?? '', id: null, applied: undefined })),
  ];
  for (const o of gone) {
    if (prune) changes.push({ action: 'delete', key: o.key, path: o.path, id: o.id, changes: diffFields(o.applied, undefined) });
    else kept.push({ key: o.key, path: o.path, id: o.id });
  }

  changes.sort((a, b) => a.key.localeCompare(b.key));
  const summary = { create: 0, update: 0, move: 0, delete: 0, unchanged };
  for (const c of changes) summary[c.action]++;
  return { format_version: PLAN_FORMAT_VERSION, changes, orphans: kept, drift, summary };
}

/** Compares each state entry with what the API holds now. Pure: the caller lists the remote. */
export function detectDrift(state: State, remote: RemoteTraining[]): Drift[] {
  const byId = new Map(remote.map((r) => [r.id, r]));
  const trackedIds = new Set(Object.values(state.trainings).map((e) => e.id));
  const drift: Drift[] = [];
  for (const [key, entry] of Object.entries(state.trainings)) {
    const r = byId.get(entry.id);
    if (!r) {
      drift.push({ key, kind: 'deleted', id: entry.id, changes: [] });
      continue;
    }
    const now = fieldsOfRemote(r);
    if (hashFields(now) !== entry.hash) drift.push({ key, kind: 'changed', id: entry.id, changes: diffFields(entry.applied, now) });
  }
  for (const r of remote) {
    const key = keyOfRemote(r);
    if (key !== undefined && !trackedIds.has(r.id)) drift.push({ key, kind: 'untracked', id: r.id, changes: [] });
  }
  return drift.sort((a, b) => a.key.localeCompare(b.key) || a.id.localeCompare(b.id));
}
