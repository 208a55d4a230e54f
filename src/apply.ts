// Executes a Plan through a Remote. Never throws per item: each change ends as an Outcome, and the
// state is committed (durably) after every successful write, with an intent recorded before each create.
// Both sides are small interfaces (Remote, StateSink), so it runs in memory in tests as it runs for real.
import pLimit from 'p-limit';
import { hashFields } from './core/hash.js';
import { driftFailure, driftSkipReason, type DriftKind, type OnDrift } from './core/guards.js';
import { otherNamespaceOf } from './core/namespace.js';
import { driftOf, type Change } from './core/plan.js';
import {
  fieldsOfRemote,
  isAdoptable,
  keyOfRemote,
  toPayload,
  type RemoteTraining,
  type TrainingFields,
} from './core/training.js';
import { ApiError } from './errors.js';
import type { Remote } from './io/remote.js';
import type { State, StateEntry, StateEvent } from './core/state.js';
import type { Outcome } from './core/outcome.js';

/**
 * What applying needs of the state: the entries committed so far, and a commit that resolves once the
 * event is durable (and rejects when it could not be made so). io/state-file.ts's StateStore is the real one.
 */
export interface StateSink {
  readonly state: Pick<State, 'trainings' | 'namespace'>;
  commit(event: StateEvent): Promise<void>;
}

export interface ApplyOptions {
  onDrift: OnDrift;
  concurrency: number;
  /** Attempts at a create whose answer got lost, each after looking the key up first. */
  createAttempts: number;
  /** The plan was made from a fresh listing: its drift flags are current, no per-item read is needed. */
  refreshed: boolean;
  /** The trainings as the plan's listing read them: each PUT starts from its training's record. */
  listed?: ReadonlyMap<string, RemoteTraining>;
  /** Once aborted, changes not yet started are skipped; those in flight finish and are recorded. */
  signal?: AbortSignal;
  onOutcome?: (o: Outcome, done: number, total: number) => void;
}

export async function applyPlan(
  changes: Change[],
  remote: Remote,
  store: StateSink,
  opts: ApplyOptions,
): Promise<Outcome[]> {
  const writes = changes.filter((c) => c.action !== 'delete');
  const deletes = changes.filter((c) => c.action === 'delete');
  const total = changes.length;
  let done = 0;
  const limit = pLimit(opts.concurrency);
  // A rejected key fails every request alike: after the first, the rest are not attempted.
  let fatal: string | undefined;
  const report = (o: Outcome) => {
    opts.onOutcome?.(o, ++done, total);
    return o;
  };
  const run = (c: Change) =>
    limit(async () => {
      if (opts.signal?.aborted) return report({ status: 'skipped', change: c, reason: 'not attempted: interrupted' });
      if (fatal) return report({ status: 'skipped', change: c, reason: `not attempted: ${fatal}` });
      const o = await applyChange(c, remote, store, opts).catch((err: unknown): Outcome => {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) fatal ??= `the API refused the key (${err.status})`;
        return { status: 'failed', change: c, message: messageOf(err) };
      });
      return report(o);
    });

  const outcomes = await Promise.all(writes.map(run));
  // Deletes only on a clean run: a failure may mean the plan no longer matches what is there.
  if (outcomes.some((o) => o.status === 'failed')) {
    const skipped = deletes.map((c) => report({ status: 'skipped', change: c, reason: 'not deleted: other changes failed in this run' }));
    return [...outcomes, ...skipped];
  }
  return [...outcomes, ...(await Promise.all(deletes.map(run)))];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function applyChange(c: Change, remote: Remote, store: StateSink, opts: ApplyOptions): Promise<Outcome> {
  const create = (fields: TrainingFields, lookupFirst: boolean) => createOnce(c, fields, remote, store, lookupFirst, opts.createAttempts);
  const unlessDrift = (kind: DriftKind | null) => (kind ? driftVerdict(c, kind, opts.onDrift) : undefined);
  switch (c.action) {
    case 'create': {
      const stop = unlessDrift(c.drift === 'deleted' ? 'deleted' : null);
      if (stop) return stop;
      if (c.adopt) {
        const found = await remote.get(c.adopt);
        // Tagged by someone since the plan read it: no longer ours to take.
        if (found && c.match && !isAdoptable(found) && keyOfRemote(found, store.state.namespace) !== c.key) {
          return { status: 'failed', change: c, message: `training ${c.adopt} was tagged by ${JSON.stringify(String(found.metadata.managed_by))} since the plan: not adopted; run "plan --refresh"` };
        }
        if (found) return adopt(c, c.fields, found, remote, store, []);
        // A training the tool did not make, gone since the plan: creating one would surprise.
        if (c.match) return { status: 'failed', change: c, message: `training ${c.adopt} to adopt is gone from Open.cx since the plan: nothing was created; run "plan --refresh"` };
      }
      return create(c.fields, c.lookup);
    }
    case 'update':
    case 'move': {
      if (c.action === 'move' && !c.remote) {
        await commitWritten(store, c.key, c.from, c.id, c.path, c.fields, store.state.trainings.get(c.from)?.tag);
        return { status: 'moved', change: c, id: c.id };
      }
      const tracked = c.action === 'move' ? c.from : c.key;
      // A fresh listing already flagged drift for updates; otherwise read the training before writing.
      const fromList = opts.refreshed && c.action === 'update' ? opts.listed?.get(c.id) : undefined;
      const read = fromList && c.action === 'update' ? { drift: c.drift, current: fromList } : await readDrift(remote, c.id, tracked, store.state.trainings.get(tracked), store.state.namespace);
      const drift = read.drift;
      const stop = unlessDrift(drift);
      if (stop) return stop;
      // Gone: a twin carrying the key may have taken its place, so look the key up before creating.
      if (drift === 'deleted') return create(c.fields, true);
      // Recorded first, so a run killed after the PUT landed knows the result as its own write.
      await store.commit({ type: 'writing', key: tracked, to: c.key, hashes: [false, true].map((draft) => hashFields({ ...c.fields, draft })) });
      // The PUT starts from the training as read: what the files do not own goes back as it was.
      const written = await remote.update(c.id, toPayload(c.key, c.fields, store.state.namespace, read.current));
      const final = await settle(store, remote, c.key, c.action === 'move' ? c.from : undefined, c.path, written, c.fields);
      return withTagNote(checked(c, c.action === 'move' ? 'moved' : 'updated', final, c.fields), final, store.state.namespace);
    }
    case 'delete': {
      // A create started for a file since removed has no id yet: delete whatever it may have made.
      const id = c.id ?? (await remote.findByKey(c.key))[0]?.id ?? null;
      const drift = id === null ? 'deleted' : (await readDrift(remote, id, c.key, store.state.trainings.get(c.key), store.state.namespace)).drift;
      if (drift === 'changed' || drift === 'untagged') {
        const stop = unlessDrift(drift);
        if (stop) return stop;
      }
      if (id !== null && drift !== 'deleted') await remote.delete(id);
      await store.commit({ type: 'deleted', key: c.key });
      return { status: 'deleted', change: c, id: id ?? '', ...(drift === 'deleted' ? { note: 'was already gone' } : {}) };
    }
  }
}

/** Compares the training in Open.cx with what the state says we last wrote under `key`. */
async function readDrift(
  remote: Remote,
  id: string,
  key: string,
  entry: StateEntry | undefined,
  namespace: string,
): Promise<{ drift: DriftKind | null; current?: RemoteTraining }> {
  const current = await remote.get(id);
  // Retagged for another namespace: that repository's now, gone from here as in a listing (never overwritten nor deleted).
  if (!current || otherNamespaceOf(current.metadata, namespace) !== undefined) return { drift: 'deleted' };
  const kinds = entry ? driftOf(key, entry, current, namespace) : [];
  return { drift: kinds.includes('untagged') ? 'untagged' : kinds.includes('changed') ? 'changed' : null, current };
}

/** The outcome when drift stops a change, or undefined when --on-drift overwrite lets it go ahead. */
function driftVerdict(c: Change, kind: DriftKind, onDrift: OnDrift): Outcome | undefined {
  if (onDrift === 'skip') return { status: 'skipped', change: c, reason: driftSkipReason(kind) };
  if (onDrift === 'overwrite') return undefined;
  return { status: 'failed', change: c, message: driftFailure(c, kind) };
}

/**
 * Create without ever doubling: the intent is on disk before the request, and when the answer is
 * lost (or a previous run died mid-request) the key is looked up before trying again.
 */
async function createOnce(
  c: Change,
  fields: TrainingFields,
  remote: Remote,
  store: StateSink,
  lookupFirst: boolean,
  attempts: number,
): Promise<Outcome> {
  const from = c.action === 'move' ? c.from : undefined;
  await store.commit({ type: 'intent', key: c.key, path: c.path, hash: hashFields(fields) });
  for (let attempt = 1, lookup = lookupFirst; ; attempt++, lookup = true) {
    if (lookup) {
      // A training the state tracks under another key is that key's, even if it carries this one (a
      // rename Open.cx could not re-tag): never taken over for this file.
      const found = (await remote.findByKey(c.key)).filter((r) => !trackedElsewhere(store, r.id, c.key, from));
      if (found[0]) return adopt(c, fields, found[0], remote, store, found.slice(1), from);
    }
    let made: RemoteTraining;
    try {
      made = await remote.create(toPayload(c.key, fields, store.state.namespace));
    } catch (err) {
      const ambiguous = err instanceof ApiError && err.ambiguous;
      // Keep the intent while the outcome is unknown: the next attempt (or run) looks the key up first.
      if (!ambiguous) await store.commit({ type: 'intent-dropped', key: c.key });
      if (!ambiguous || attempt >= attempts) throw err;
      continue;
    }
    const final = await settle(store, remote, c.key, from, c.path, made, fields);
    return checked(c, 'created', final, fields);
  }
}

/** Takes over a training a lost answer (or a lost state file) left behind, bringing it up to date. */
async function adopt(
  c: Change,
  fields: TrainingFields,
  found: RemoteTraining,
  remote: Remote,
  store: StateSink,
  twins: RemoteTraining[],
  from?: string,
): Promise<Outcome> {
  // Already ours and equal: nothing to write. A training the tool did not make is always written, for its tag.
  const same = keyOfRemote(found, store.state.namespace) === c.key && hashFields(fieldsOfRemote(found, fields)) === hashFields(fields);
  const written = same ? found : await remote.update(found.id, toPayload(c.key, fields, store.state.namespace, found));
  const final = await settle(store, remote, c.key, from, c.path, written, fields);
  const o = withTagNote(checked(c, 'adopted', final, fields), final, store.state.namespace);
  if (!twins.length || o.status !== 'adopted') return o;
  return { ...o, note: `${twins.length} more ${twins.length === 1 ? 'training carries' : 'trainings carry'} this key (${twins.map((t) => t.id).join(', ')}): delete them in Open.cx` };
}

function trackedElsewhere(store: StateSink, id: string, key: string, from: string | undefined): boolean {
  for (const [k, e] of store.state.trainings) if (e.id === id && k !== key && k !== from) return true;
  return false;
}

/** The tag a written training carries, for the state: absent when it is the key itself. */
function tagFor(key: string, r: RemoteTraining, namespace: string): string | null | undefined {
  const tag = keyOfRemote(r, namespace);
  return tag === key ? undefined : (tag ?? null);
}

/** Where Open.cx kept another tag than the one sent (no metadata on PUT), the outcome says what that limits. */
function withTagNote(o: Outcome, r: RemoteTraining, namespace: string): Outcome {
  if (o.status === 'failed' || o.status === 'skipped') return o;
  const tag = tagFor(o.change.key, r, namespace);
  if (tag === undefined) return o;
  const held = tag === null ? 'no opencx-sync tag' : `the old key "${tag}" in its metadata`;
  return {
    ...o,
    note: `Open.cx did not take the new metadata on PUT, so the training keeps ${held}; it is tracked by its id in the state file (keep that file: "state rebuild" would not find it under this key)${tag === null ? '' : `, or pin "key: ${tag}" in the file's front-matter`}`,
  };
}

/**
 * Records what a write answered, then sets the draft state where Open.cx did not take it (a type
 * change resets it), and records that too. Recording first means a failure in the second step
 * never leaves a training the state does not know.
 */
async function settle(
  store: StateSink,
  remote: Remote,
  key: string,
  from: string | undefined,
  path: string,
  written: RemoteTraining,
  fields: TrainingFields,
): Promise<RemoteTraining> {
  await commitWritten(store, key, from, written.id, path, fieldsOfRemote(written, fields), tagFor(key, written, store.state.namespace));
  if (written.is_draft === fields.draft) return written;
  const toggled = hashFields({ ...fieldsOfRemote(written, fields), draft: fields.draft });
  await store.commit({ type: 'writing', key, to: key, hashes: [toggled] });
  const final = await remote.setDraft(written.id, fields.draft);
  await commitWritten(store, key, undefined, final.id, path, fieldsOfRemote(final, fields), tagFor(key, final, store.state.namespace));
  return final;
}

async function commitWritten(
  store: StateSink,
  key: string,
  from: string | undefined,
  id: string,
  path: string,
  fields: TrainingFields,
  tag?: string | null,
) {
  // The state records what the API answered, so a field it did not keep shows up in the next plan.
  await store.commit({ type: 'written', key, ...(from === undefined ? {} : { from }), id, path, hash: hashFields(fields), fields, ...(tag === undefined ? {} : { tag }) });
}

/** The API's answer must hold what we sent; anything else is reported, not silently accepted. */
function checked(
  c: Change,
  status: 'created' | 'adopted' | 'updated' | 'moved',
  r: RemoteTraining,
  fields: TrainingFields,
): Outcome {
  const got = fieldsOfRemote(r, fields);
  const off = (Object.keys(fields) as (keyof TrainingFields)[]).filter(
    (k) => JSON.stringify(got[k]) !== JSON.stringify(fields[k]),
  );
  if (off.length) return { status: 'failed', change: c, message: `the API kept different values for ${off.join(', ')}` };
  return { status, change: c, id: r.id };
}
