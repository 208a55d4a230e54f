// The state model: what we last wrote to Open.cx, per key. Versioned; unknown versions are refused.
import { z } from 'zod';
import { checkNamespace } from './namespace.js';
import { readStateQuickly } from './state-fast.js';
import type { TrainingFields } from './training.js';

/**
 * The newest version this code reads. Version 2 adds `namespace`; a state of the default namespace is
 * still written as version 1 (byte for byte as before namespaces), so an older opencx-sync keeps
 * reading it, and refuses ("upgrade") a namespaced state it would otherwise tag wrongly.
 */
const STATE_VERSION = 2;
const READS = [1, STATE_VERSION];

const fieldsSchema = z.strictObject({
  title: z.string(),
  content: z.string(),
  // What Open.cx held, which may be a type or channel this version does not know (state rebuild).
  type: z.string(),
  draft: z.boolean(),
  directory: z.string().nullable(),
  channels: z.array(z.string()),
  segments: z.array(z.string()),
  // Only for a file that sets `active:`; state files written before it existed simply lack it.
  active: z.strictObject({ from: z.string().nullable(), until: z.string().nullable() }).optional(),
});

/**
 * An update or move that was sent but whose answer is not recorded yet: the key it writes and the hashes
 * the training may hold after it (either draft state: a type change may reset it). A training equal to
 * one of them is this tool's own write, not a hand edit.
 */
const writingSchema = z.strictObject({ key: z.string(), hashes: z.array(z.string()) });

/**
 * The key the training's metadata carries when it is not the entry's own (null: no key at all). Only
 * where Open.cx does not take `metadata` on PUT, so a rename could not re-tag it; absent otherwise.
 */
const tagSchema = z.string().nullable().optional();

const entrySchema = z.strictObject({
  id: z.string().min(1),
  path: z.string(),
  hash: z.string(),
  applied: fieldsSchema,
  tag: tagSchema,
  writing: writingSchema.optional(),
});

/** Creates that were started but whose answer was not recorded: the next run looks them up before creating. */
const pendingSchema = z.strictObject({ path: z.string(), hash: z.string() });

/**
 * A JSON object keyed by user text, read into a Map. Not z.record: it assigns keys into a plain object,
 * where "__proto__" sets the prototype instead of an entry, and "constructor" reads an inherited member.
 */
function mapOf<T extends z.ZodType>(value: T) {
  return z
    .custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object')
    .transform((obj, ctx) => {
      const out = new Map<string, z.output<T>>();
      for (const [k, v] of Object.entries(obj)) {
        const r = value.safeParse(v);
        if (r.success) out.set(k, r.data);
        else for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: [k, ...i.path] });
      }
      return out;
    });
}

const common = {
  lineage: z.string().min(1),
  serial: z.number().int().nonnegative(),
  trainings: mapOf(entrySchema),
  pending: mapOf(pendingSchema),
};
const namespaceSchema = z.string().min(1, 'is empty: a state of the default namespace is version 1, without "namespace"').refine((ns) => checkNamespace(ns) === undefined, 'is not a valid namespace');

/** In memory every state has a namespace ('' = the default one); a version 1 file is read as ''. */
const stateSchema = z
  .discriminatedUnion('version', [
    z.strictObject({ version: z.literal(1), ...common }),
    z.strictObject({ version: z.literal(2), namespace: namespaceSchema, ...common }),
  ])
  .transform((s) => ({ ...s, namespace: 'namespace' in s ? s.namespace : '' }));

export type State = z.output<typeof stateSchema>;
export type StateEntry = z.output<typeof entrySchema>;
export type PendingCreate = z.output<typeof pendingSchema>;

/** The key the training tracked by this entry is tagged with in Open.cx (undefined: none). */
export function tagOfEntry(key: string, entry: StateEntry): string | undefined {
  return entry.tag === undefined ? key : (entry.tag ?? undefined);
}

export function emptyState(lineage: string, namespace = ''): State {
  return { version: namespace === '' ? 1 : 2, namespace, lineage, serial: 0, trainings: new Map(), pending: new Map() };
}

/** Parses state file text; never treats a damaged file as empty, which would duplicate everything. */
export function parseState(text: string): { state: State } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: `is not valid JSON (${(err as Error).message}); it may be half-written or hand-edited: restore it from git, or run "opencx-sync state rebuild"` };
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && !READS.includes(version)) {
    return { error: `has version ${version}, but this opencx-sync reads versions ${READS.join(' and ')}: upgrade opencx-sync` };
  }
  if (version === 1 && typeof json === 'object' && json !== null && Object.hasOwn(json, 'namespace')) {
    return { error: 'is damaged at namespace: "namespace" is only in version 2: remove it for the default namespace, or set "version": 2; restore it from git, or run "opencx-sync state rebuild"' };
  }
  // A file this version wrote passes the quick check; anything else goes to the schema, which words the error.
  const quick = readStateQuickly(json);
  if (quick) return { state: quick };
  return parseStateSlowly(json);
}

/** The schema's reading of the state JSON (parseState's answer when the quick check does not answer). */
export function parseStateSlowly(json: unknown): { state: State } | { error: string } {
  const r = stateSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return { error: `is damaged at ${i?.path.join('.') || 'top level'}: ${i?.message}; restore it from git, or run "opencx-sync state rebuild"` };
  }
  return { state: r.data };
}

/**
 * Deterministic text: sorted keys, 2-space indent, lists of plain values on one line, trailing newline,
 * so a git diff shows one line per changed field.
 */
export function serializeState(state: State): string {
  // The oldest version that holds it: the default namespace's state reads as it always did.
  const { namespace, ...rest } = state;
  return render(namespace === '' ? { ...rest, version: 1 } : { ...rest, version: 2, namespace }, '') + '\n';
}

function render(v: unknown, pad: string): string {
  if (v instanceof Map) return renderObject([...v], pad);
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
    const inner = pad + '  ';
    return v.length ? `[\n${v.map((x) => inner + render(x, inner)).join(',\n')}\n${pad}]` : '[]';
  }
  if (v && typeof v === 'object') return renderObject(Object.entries(v), pad);
  return JSON.stringify(v);
}

function renderObject(entries: [string, unknown][], pad: string): string {
  const inner = pad + '  ';
  const body = entries
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, x]) => `${inner}${JSON.stringify(k)}: ${render(x, inner)}`);
  return body.length ? `{\n${body.join(',\n')}\n${pad}}` : '{}';
}

/** Everything that changes the state, one event per API result (or intent before a write). */
export type StateEvent =
  | { type: 'begin' }
  | { type: 'intent'; key: string; path: string; hash: string }
  | { type: 'intent-dropped'; key: string }
  /** An update or move of the training tracked under `key` is about to be sent, writing key `to`. */
  | { type: 'writing'; key: string; to: string; hashes: string[] }
  | { type: 'written'; key: string; from?: string; id: string; path: string; hash: string; fields: TrainingFields; tag?: string | null }
  | { type: 'deleted'; key: string };

/** Pure: the state after one event. */
export function nextState(state: State, e: StateEvent): State {
  const next = { ...state, trainings: new Map(state.trainings), pending: new Map(state.pending) };
  applyEvent(next, e);
  return next;
}

/**
 * Applies one event to `state` in place: O(1), where copying the Maps per event cost O(tracked trainings).
 * Entries are replaced, never mutated, so a shallow copy of the Maps is an independent state.
 */
export function applyEvent(state: State, e: StateEvent): void {
  const { trainings, pending } = state;
  switch (e.type) {
    case 'begin':
      state.serial += 1;
      break;
    case 'intent':
      pending.set(e.key, { path: e.path, hash: e.hash });
      break;
    case 'intent-dropped':
      pending.delete(e.key);
      break;
    case 'writing': {
      const entry = trainings.get(e.key);
      if (entry) trainings.set(e.key, { ...entry, writing: { key: e.to, hashes: e.hashes } });
      break;
    }
    case 'written':
      if (e.from !== undefined && e.from !== e.key) trainings.delete(e.from);
      pending.delete(e.key);
      trainings.set(e.key, { id: e.id, path: e.path, hash: e.hash, applied: e.fields, ...(e.tag === undefined ? {} : { tag: e.tag }) });
      break;
    case 'deleted':
      trainings.delete(e.key);
      pending.delete(e.key);
      break;
  }
}

/** A copy that later in-place events on either side leave alone. */
export function copyState(state: State): State {
  return { ...state, trainings: new Map(state.trainings), pending: new Map(state.pending) };
}

const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('begin') }),
  z.strictObject({ type: z.literal('intent'), key: z.string(), path: z.string(), hash: z.string() }),
  z.strictObject({ type: z.literal('intent-dropped'), key: z.string() }),
  z.strictObject({ type: z.literal('writing'), key: z.string(), to: z.string(), hashes: z.array(z.string()) }),
  z.strictObject({
    type: z.literal('written'),
    key: z.string(),
    from: z.string().optional(),
    id: z.string().min(1),
    path: z.string(),
    hash: z.string(),
    fields: fieldsSchema,
    tag: tagSchema,
  }),
  z.strictObject({ type: z.literal('deleted'), key: z.string() }),
]);

/** Checks one event read back from the journal; the error says what is wrong with it. */
export function parseStateEvent(json: unknown): { event: StateEvent } | { error: string } {
  const r = eventSchema.safeParse(json);
  if (r.success) return { event: r.data as StateEvent };
  const i = r.error.issues[0];
  return { error: `${i?.path.join('.') || 'the event'}: ${i?.message}` };
}
