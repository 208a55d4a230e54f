// Executes a Plan through a Remote. Never throws per item: each change ends as an Outcome, and the
// state is committed (durably) after every successful write, with an intent recorded before each create.
import pLimit from 'p-limit';
import { hashFields } from './core/hash.js';
import type { Change } from './core/plan.js';
import {
  fieldsOfRemote,
  toPayload,
  type RemoteTraining,
  type TrainingFields,
} from './core/training.js';
import { ApiError } from './errors.js';
import type { Remote } from './io/remote.js';
import type { StateStore } from './io/state-file.js';

export type OnDrift = 'fail' | 'skip' | 'overwrite';

export type Outcome =
  | { status: 'created' | 'adopted' | 'updated' | 'moved' | 'deleted'; change: Change; id: string; note?: string }
  | { status: 'skipped'; change: Change; reason: string }
  | { status: 'failed'; change: Change; message: string };

export interface ApplyOptions {
  onDrift: OnDrift;
  concurrency: number;
  onOutcome?: (o: Outcome, done: number, total: number) => void;
}

/** Attempts at a create whose answer got lost, each after looking the key up first. */
const CREATE_ATTEMPTS = 4;

export async function applyPlan(
  changes: Change[],
  remote: Remote,
  store: StateStore,
  opts: ApplyOptions,
): Promise<Outcome[]> {
  const writes = changes.filter((c) => c.action !== 'delete');
  const deletes = changes.filter((c) => c.action === 'delete');
  const total = changes.length;
  let done = 0;
  const limit = pLimit(opts.concurrency);
  const run = (c: Change) =>
    limit(async () => {
      const o = await applyChange(c, remote, store, opts.onDrift).catch(
        (err: unknown): Outcome => ({ status: 'failed', change: c, message: messageOf(err) }),
      );
      opts.onOutcome?.(o, ++done, total);
      return o;
    });

  const outcomes = await Promise.all(writes.map(run));
  // Deletes only on a clean run: a failure may mean the plan no longer matches what is there.
  if (outcomes.some((o) => o.status === 'failed')) {
    return [...outcomes, ...deletes.map((c): Outcome => ({ status: 'skipped', change: c, reason: 'not deleted: other changes failed in this run' }))];
  }
  return [...outcomes, ...(await Promise.all(deletes.map(run)))];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function applyChange(c: Change, remote: Remote, store: StateStore, onDrift: OnDrift): Promise<Outcome> {
  switch (c.action) {
    case 'create': {
      if (c.adopt) {
        const found = await remote.get(c.adopt);
        if (found) return adopt(c, found, remote, store, []);
      }
      return create(c, c.fields, remote, store, c.lookup);
    }
    case 'update':
    case 'move': {
      const entry = store.state.trainings[c.action === 'move' ? c.from : c.key];
      if (c.action === 'move' && !c.remote) {
        await commitWritten(store, c.key, c.from, c.id, c.path, c.fields);
        return { status: 'moved', change: c, id: c.id };
      }
      const current = await remote.get(c.id);
      if (!current) {
        if (onDrift === 'fail') return driftFailure(c, 'was deleted in Open.cx since the last apply', 'recreate it');
        if (onDrift === 'skip') return { status: 'skipped', change: c, reason: 'deleted in Open.cx since the last apply' };
        return create(c, c.fields, remote, store, false);
      }
      if (entry && hashFields(fieldsOfRemote(current)) !== entry.hash) {
        if (onDrift === 'fail') return driftFailure(c, 'was edited in Open.cx since the last apply', 'replace those edits with the file');
        if (onDrift === 'skip') return { status: 'skipped', change: c, reason: 'edited in Open.cx since the last apply' };
      }
      const written = await write(remote, c.id, c.key, c.fields);
      await commitWritten(store, c.key, c.action === 'move' ? c.from : undefined, written.id, c.path, fieldsOfRemote(written));
      return checked(c, c.action === 'move' ? 'moved' : 'updated', written, c.fields);
    }
    case 'delete': {
      let id = c.id;
      if (id === null) {
        // A create was started for a file since removed: delete what it may have made.
        id = (await remote.findByKey(c.key))[0]?.id ?? null;
        if (id === null) {
          await store.commit({ type: 'deleted', key: c.key });
          return { status: 'deleted', change: c, id: '', note: 'was never created' };
        }
      }
      const entry = store.state.trainings[c.key];
      const current = await remote.get(id);
      if (current && entry && hashFields(fieldsOfRemote(current)) !== entry.hash && onDrift !== 'overwrite') {
        if (onDrift === 'fail') return driftFailure(c, 'was edited in Open.cx since the last apply', 'delete it anyway');
        return { status: 'skipped', change: c, reason: 'edited in Open.cx since the last apply' };
      }
      if (current) await remote.delete(id);
      await store.commit({ type: 'deleted', key: c.key });
      return { status: 'deleted', change: c, id, ...(current ? {} : { note: 'was already gone' }) };
    }
  }
}

function driftFailure(c: Change, what: string, overwrite: string): Outcome {
  return {
    status: 'failed',
    change: c,
    message: `${what}: run "plan --refresh" to see the edits; apply --on-drift overwrite to ${overwrite}, or --on-drift skip to leave it`,
  };
}

/**
 * Create without ever doubling: the intent is on disk before the request, and when the answer is
 * lost (or a previous run died mid-request) the key is looked up before trying again.
 */
async function create(
  c: Change,
  fields: TrainingFields,
  remote: Remote,
  store: StateStore,
  lookupFirst: boolean,
): Promise<Outcome> {
  const from = c.action === 'move' ? c.from : undefined;
  await store.commit({ type: 'intent', key: c.key, path: c.path, hash: hashFields(fields) });
  let lookup = lookupFirst;
  for (let attempt = 1; ; attempt++) {
    if (lookup) {
      const found = await remote.findByKey(c.key);
      if (found[0]) return adopt(c, found[0], remote, store, found.slice(1), from);
    }
    try {
      const made = await remote.create(toPayload(c.key, fields));
      const final = made.is_draft === fields.draft ? made : await remote.setDraft(made.id, fields.draft);
      await commitWritten(store, c.key, from, final.id, c.path, fieldsOfRemote(final));
      return checked(c, 'created', final, fields);
    } catch (err) {
      if (!(err instanceof ApiError && err.ambiguous) || attempt >= CREATE_ATTEMPTS) {
        // Keep the intent when the outcome is unknown: the next run looks the key up before creating.
        if (!(err instanceof ApiError && err.ambiguous)) await store.commit({ type: 'intent-dropped', key: c.key });
        throw err;
      }
      lookup = true;
    }
  }
}

/** Takes over a training a lost answer (or a lost state file) left behind, bringing it up to date. */
async function adopt(
  c: Change,
  found: RemoteTraining,
  remote: Remote,
  store: StateStore,
  twins: RemoteTraining[],
  from?: string,
): Promise<Outcome> {
  const fields = c.action === 'delete' ? undefined : c.fields;
  if (!fields) throw new Error('adopt needs desired fields');
  const same = hashFields(fieldsOfRemote(found)) === hashFields(fields);
  const written = same ? found : await write(remote, found.id, c.key, fields);
  await commitWritten(store, c.key, from, written.id, c.path, fieldsOfRemote(written));
  const o = checked(c, 'adopted', written, fields);
  if (!twins.length || o.status !== 'adopted') return o;
  return { ...o, note: `${twins.length} more training(s) carry this key (${twins.map((t) => t.id).join(', ')}): delete them in Open.cx` };
}

async function write(
  remote: Remote,
  id: string,
  key: string,
  fields: TrainingFields,
): Promise<RemoteTraining> {
  const updated = await remote.update(id, toPayload(key, fields));
  // Changing the type resets the draft state in Open.cx: then publishing is an explicit second step.
  return updated.is_draft === fields.draft ? updated : remote.setDraft(id, fields.draft);
}

async function commitWritten(
  store: StateStore,
  key: string,
  from: string | undefined,
  id: string,
  path: string,
  fields: TrainingFields,
) {
  // The state records what the API answered, so a field it did not keep shows up in the next plan.
  await store.commit({ type: 'written', key, ...(from === undefined ? {} : { from }), id, path, hash: hashFields(fields), fields });
}

/** The API's answer must hold what we sent; anything else is reported, not silently accepted. */
function checked(
  c: Change,
  status: 'created' | 'adopted' | 'updated' | 'moved',
  r: RemoteTraining,
  fields: TrainingFields,
): Outcome {
  const got = fieldsOfRemote(r);
  const off = (Object.keys(fields) as (keyof TrainingFields)[]).filter(
    (k) => JSON.stringify(got[k]) !== JSON.stringify(fields[k]),
  );
  if (off.length) return { status: 'failed', change: c, message: `the API kept different values for ${off.join(', ')}` };
  return { status, change: c, id: r.id };
}
