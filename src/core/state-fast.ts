// The quick check of a state file's JSON, for the usual case of a file this version wrote: the same
// value the zod schema in state.ts gives, built without it (zod costs ~10 µs per entry, 100 ms at
// 10,000 trainings). On anything it does not expect it returns undefined, and the schema decides (and
// words the error). test/unit/state-fast.test.ts proves the two agree.
import { checkNamespace } from './namespace.js';
import type { PendingCreate, State, StateEntry } from './state.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Exactly these keys: `required` all present, `optional` allowed. */
function hasKeys(o: Json, required: readonly string[], optional: readonly string[] = []): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (required.includes(k)) n++;
    else if (!optional.includes(k)) return false;
  }
  return n === required.length;
}

const FIELDS = ['title', 'content', 'type', 'draft', 'directory', 'channels', 'segments'] as const;
const ENTRY = ['id', 'path', 'hash', 'applied'] as const;

const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function appliedOf(a: unknown): StateEntry['applied'] | undefined {
  if (!isObject(a) || !hasKeys(a, FIELDS, ['active'])) return undefined;
  const { title, content, type, draft, directory, channels, segments, active } = a;
  if (typeof title !== 'string' || typeof content !== 'string' || typeof type !== 'string' || typeof draft !== 'boolean') return undefined;
  if (!isStringOrNull(directory) || !isStrings(channels) || !isStrings(segments)) return undefined;
  const applied: StateEntry['applied'] = { title, content, type, draft, directory, channels, segments };
  if (active === undefined) return applied;
  if (!isObject(active) || !hasKeys(active, ['from', 'until']) || !isStringOrNull(active.from) || !isStringOrNull(active.until)) return undefined;
  return { ...applied, active: { from: active.from, until: active.until } };
}

function entryOf(v: unknown): StateEntry | undefined {
  if (!isObject(v) || !hasKeys(v, ENTRY, ['tag', 'writing'])) return undefined;
  const { id, path, hash, tag, writing: w } = v;
  if (typeof id !== 'string' || id.length < 1 || typeof path !== 'string' || typeof hash !== 'string') return undefined;
  const applied = appliedOf(v.applied);
  if (!applied) return undefined;
  let entry: StateEntry = { id, path, hash, applied };
  if (tag !== undefined) {
    if (!isStringOrNull(tag)) return undefined;
    entry = { ...entry, tag };
  }
  if (w === undefined) return entry;
  if (!isObject(w) || !hasKeys(w, ['key', 'hashes']) || typeof w.key !== 'string' || !isStrings(w.hashes)) return undefined;
  return { ...entry, writing: { key: w.key, hashes: w.hashes } };
}

function pendingOf(v: unknown): PendingCreate | undefined {
  if (!isObject(v) || !hasKeys(v, ['path', 'hash']) || typeof v.path !== 'string' || typeof v.hash !== 'string') return undefined;
  return { path: v.path, hash: v.hash };
}

/** Keyed by user text: a Map, never a plain object (a key "__proto__" is an entry like any other). */
function mapOf<T>(v: unknown, item: (x: unknown) => T | undefined): Map<string, T> | undefined {
  if (!isObject(v)) return undefined;
  const out = new Map<string, T>();
  // Object.keys, not entries: no [key, value] pair made per tracked training.
  for (const k of Object.keys(v)) {
    const r = item(v[k]);
    if (r === undefined) return undefined;
    out.set(k, r);
  }
  return out;
}

/**
 * The state the schema would give for this JSON, or undefined to let the schema decide. Version 1 is
 * the default namespace's (no `namespace` key); version 2 names its namespace.
 */
export function readStateQuickly(json: unknown): State | undefined {
  if (!isObject(json)) return undefined;
  const { version, lineage, serial } = json;
  const common = ['version', 'lineage', 'serial', 'trainings', 'pending'];
  let namespace = '';
  if (version === 1) {
    if (!hasKeys(json, common)) return undefined;
  } else if (version === 2) {
    if (!hasKeys(json, [...common, 'namespace']) || typeof json.namespace !== 'string' || json.namespace === '' || checkNamespace(json.namespace) !== undefined) return undefined;
    namespace = json.namespace;
  } else return undefined;
  if (typeof lineage !== 'string' || lineage.length < 1) return undefined;
  if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0) return undefined;
  const trainings = mapOf(json.trainings, entryOf);
  const pending = trainings && mapOf(json.pending, pendingOf);
  if (!trainings || !pending) return undefined;
  return version === 1 ? { version, lineage, serial, trainings, pending, namespace } : { version, namespace, lineage, serial, trainings, pending };
}
