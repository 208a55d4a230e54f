// A saved plan (`plan --out`): the plan together with what it was made from, and the checks that it
// still holds, so `apply <file>` applies exactly what was reviewed or refuses before any write. Pure.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OnDrift } from './guards.js';
import { canonicalFields, hashFields } from './hash.js';
import { fingerprintOf, type Change, type Plan } from './plan.js';
import { namespaceName, namespaceOfTag } from './namespace.js';
import { fieldsOfRemote, keyOfRemote, type RemoteTraining, type Training } from './training.js';

export const SAVED_PLAN_VERSION = 1;

export interface SavedOptions {
  prune: boolean;
  refresh: boolean;
  onDrift: OnDrift;
  maxDeletes: number;
  /** Absent in plans saved before adoption existed: on, as it is by default. */
  adopt?: boolean;
}

const madeFromSchema = z.strictObject({
  version: z.literal(SAVED_PLAN_VERSION),
  /** The state file's lineage and serial; lineage null when there was none. */
  lineage: z.string().nullable(),
  serial: z.number().int().nonnegative(),
  /** The trainings folder the paths are relative to. */
  dir: z.string(),
  /** The namespace it tags and lists; absent in plans saved before namespaces: the default one. */
  namespace: z.string().optional(),
  options: z.strictObject({
    prune: z.boolean(),
    refresh: z.boolean(),
    on_drift: z.enum(['fail', 'skip', 'overwrite']),
    max_deletes: z.number().int().nonnegative(),
    adopt: z.boolean().optional(),
  }),
  /** Of the changes saved; and of the plan the same files and state give offline (equal without --refresh). */
  fingerprint: z.string(),
  offline_fingerprint: z.string(),
  /** The keys of the saved changes: apply applies these and nothing else. */
  keys: z.array(z.string()),
  /** Each planned file's content hash (of its normalised fields); null: no file there (a delete). */
  files: z.array(z.strictObject({ path: z.string(), hash: z.string().nullable() })),
  /** With --refresh: each planned training's remote fingerprint; null: it was not there. */
  remote: z.array(z.strictObject({ id: z.string(), fingerprint: z.string().nullable() })).nullable(),
  /** sha256 of the plan the file shows (everything but `saved`), added by the writer: a hand edit is refused. */
  plan_sha256: z.string().optional(),
});

export type MadeFrom = z.output<typeof madeFromSchema>;

/** Every field a change reads from Open.cx, including its tag: any edit there changes it. */
export function remoteFingerprint(r: RemoteTraining | undefined): string | null {
  if (!r) return null;
  // A namespaced tag counts with its namespace (a re-tag is an edit); the default one as it always did.
  const ns = namespaceOfTag(r.metadata.managed_by);
  const tag = ns ? [ns, typeof r.metadata.key === 'string' ? r.metadata.key : null] : (keyOfRemote(r, '') ?? null);
  return createHash('sha256').update(JSON.stringify([tag, canonicalFields(fieldsOfRemote(r))])).digest('hex');
}

/** The trainings a change reads or writes in Open.cx. */
function remoteIds(c: Change): string[] {
  if (c.action === 'create') return c.adopt ? [c.adopt] : [];
  return c.id ? [c.id] : [];
}

const filesByPath = (trainings: Training[]) => new Map(trainings.map((t) => [t.path, hashFields(t.fields)]));

export function madeFrom(input: {
  plan: Plan;
  /** The plan the same files and state give without reading Open.cx. */
  offline: Plan;
  trainings: Training[];
  dir: string;
  namespace: string;
  options: SavedOptions;
  /** What a refreshed plan was made from; undefined offline. */
  remote?: RemoteTraining[];
}): MadeFrom {
  const { plan, options } = input;
  const files = filesByPath(input.trainings);
  const byId = new Map((input.remote ?? []).map((r) => [r.id, r]));
  const paths = [...new Set(plan.changes.map((c) => c.path))].sort();
  const ids = [...new Set(plan.changes.flatMap(remoteIds))].sort();
  return {
    version: SAVED_PLAN_VERSION,
    lineage: plan.lineage,
    serial: plan.serial,
    dir: input.dir,
    namespace: input.namespace,
    options: {
      prune: options.prune, refresh: options.refresh, on_drift: options.onDrift, max_deletes: options.maxDeletes,
      ...(options.adopt === false ? { adopt: false } : {}),
    },
    fingerprint: plan.fingerprint,
    offline_fingerprint: input.offline.fingerprint,
    keys: plan.changes.map((c) => c.key),
    files: paths.map((p) => ({ path: p, hash: files.get(p) ?? null })),
    remote: input.remote ? ids.map((id) => ({ id, fingerprint: remoteFingerprint(byId.get(id)) })) : null,
  };
}

export function parseMadeFrom(json: unknown): { from: MadeFrom } | { error: string } {
  const saved = (json as { saved?: unknown } | null)?.saved;
  if (saved === undefined) return { error: 'is not a saved plan (no "saved" section): make one with "opencx-sync plan --out <file>"' };
  const version = (saved as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== SAVED_PLAN_VERSION) {
    return { error: `is a saved plan of version ${version}, but this opencx-sync reads version ${SAVED_PLAN_VERSION}: make the plan again with this version` };
  }
  const r = madeFromSchema.safeParse(saved);
  if (!r.success) {
    const i = r.error.issues[0];
    return { error: `is damaged at saved.${i?.path.join('.')}: ${i?.message}; make the plan again with "opencx-sync plan --out <file>"` };
  }
  return { from: r.data };
}

export const optionsOf = (from: MadeFrom): SavedOptions => ({
  prune: from.options.prune,
  refresh: from.options.refresh,
  onDrift: from.options.on_drift,
  maxDeletes: from.options.max_deletes,
  adopt: from.options.adopt ?? true,
});

/** The command that makes this plan again, with the options it was made with. */
export function replanCommand(from: MadeFrom, file: string): string {
  const o = from.options;
  const flags = [
    o.prune ? ' --prune' : '',
    o.refresh ? ' --refresh' : '',
    o.on_drift !== 'fail' ? ` --on-drift ${o.on_drift}` : '',
    o.max_deletes !== 10 ? ` --max-deletes ${o.max_deletes}` : '',
    o.adopt === false ? ' --no-adopt' : '',
  ].join('');
  return `opencx-sync plan${flags} --out ${file}`;
}

const listed = (xs: string[]) => (xs.length > 5 ? `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more` : xs.join(', '));

/**
 * Why a saved plan no longer holds before anything is sent: another state, a planned file changed, or
 * any file change that changes the plan. Undefined when it holds.
 */
export function staleLocally(
  from: MadeFrom,
  now: { lineage: string | null; serial: number; dir: string; namespace: string; trainings: Training[]; offline: Plan },
): string | undefined {
  if (from.dir !== now.dir) return `it was made for the trainings folder "${from.dir}", not "${now.dir}"`;
  // Without a state file nothing else tells: applied here, its creates would carry another namespace's tag.
  const ns = from.namespace ?? '';
  if (ns !== now.namespace) return `it was made for ${namespaceName(ns)}, but ${namespaceName(now.namespace)} is configured (set the namespace back, or make the plan in this one)`;
  if (from.lineage !== now.lineage) {
    const was = from.lineage === null ? 'with no state file' : `against state lineage ${from.lineage}`;
    const is = now.lineage === null ? 'there is no state file now' : `the state file now has lineage ${now.lineage}`;
    return `it was made ${was}, but ${is} (another state)`;
  }
  if (from.serial !== now.serial) return `the state moved on since it was made (serial ${from.serial}, now ${now.serial}): another apply changed Open.cx`;
  const files = filesByPath(now.trainings);
  const shown = (p: string) => (now.dir === '.' || now.dir === '' ? p : `${now.dir.replace(/\/+$/, '')}/${p}`);
  const changed = from.files.filter((f) => (files.get(f.path) ?? null) !== f.hash);
  // The hash is of the resolved fields: a segment renamed in Open.cx changes it with the file untouched.
  const segmented = changed.some((f) => now.trainings.some((t) => t.path === f.path && t.fields.segments.length > 0));
  const why = segmented ? ` (edited, or a segment name in ${changed.length === 1 ? 'it' : 'one'} names another segment in Open.cx now)` : '';
  if (changed.length) return `${changed.length === 1 ? 'a planned file' : 'planned files'} changed since it was made: ${listed(changed.map((f) => shown(f.path)))}${why}`;
  if (now.offline.fingerprint !== from.offline_fingerprint) return 'the files changed since it was made in a way that changes the plan (a file added, removed, renamed or edited)';
  return undefined;
}

/** After apply's listing, before any write: a planned training edited, retagged or deleted in Open.cx since. */
export function staleRemotely(from: MadeFrom, remote: RemoteTraining[], keyOf: (id: string) => string | undefined): string | undefined {
  if (!from.remote) return undefined;
  const byId = new Map(remote.map((r) => [r.id, r]));
  const moved = from.remote.filter((x) => remoteFingerprint(byId.get(x.id)) !== x.fingerprint).map((x) => `${keyOf(x.id) ?? 'a training'} (${x.id})`);
  if (moved.length) return `${moved.length === 1 ? 'a planned training' : 'planned trainings'} changed in Open.cx since it was made: ${listed(moved)}`;
  return undefined;
}

/** The saved changes out of a fresh plan: exactly those, or why the fresh plan no longer has them. */
export function savedChanges(from: MadeFrom, fresh: Plan): { changes: Change[] } | { error: string; refresh?: true } {
  const keys = new Set(from.keys);
  const changes = fresh.changes.filter((c) => keys.has(c.key));
  // Made offline, it showed creates; Open.cx holds trainings those files adopt instead of duplicating.
  const adopts = changes.filter((c) => c.action === 'create' && c.match !== undefined).map((c) => c.key);
  if (from.remote === null && adopts.length && fingerprintOf(changes) !== from.fingerprint) {
    return { error: `it was made offline, and Open.cx holds trainings that ${listed(adopts)} would adopt rather than create: make the plan with --refresh to review the adoptions`, refresh: true };
  }
  if (changes.length !== keys.size || fingerprintOf(changes) !== from.fingerprint) {
    return { error: 'Open.cx changed since it was made in a way that changes the planned changes' };
  }
  return { changes };
}
