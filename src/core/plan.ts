// (desired trainings, state[, remote]) -> Plan. Pure: a value to print, save as JSON and test as a table.
import { canonicalArraySha256, canonicalJson, sortedKeys } from './canonical-json.js';
import { printable } from './printable.js';
import { hashFields } from './hash.js';
import { namespaceName, otherNamespaceOf } from './namespace.js';
import { tagOfEntry, type PendingCreate, type State, type StateEntry } from './state.js';
import {
  byCreation,
  FIELD_NAMES,
  fieldsOfRemote,
  isAdoptable,
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
  /** `id:` pinned in the file. */
  id?: string;
}

/** How a training the tool did not make was matched to a file: its pinned `id:`, or its trigger phrase and type. */
export type AdoptMatch = 'pin' | 'trigger';

export type Change =
  | (Desired & {
      action: 'create';
      /** A previous run may have created it already: look it up by key before creating. */
      lookup: boolean;
      /** Found by refresh: an existing managed training with this key, to adopt instead of creating. */
      adopt: string | null;
      /** Set when `adopt` names a training the tool did not make: apply tags it. Absent for one found by key. */
      match?: AdoptMatch;
      drift: 'deleted' | null;
      changes: FieldChange[];
    })
  | (Desired & { action: 'update'; id: string; drift: 'changed' | 'untagged' | null; changes: FieldChange[] })
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
  /**
   * About the training the state tracks under `key`: changed (its fields were edited by hand since our
   * last apply), deleted (gone: not listed, and not found by its id), untagged (it exists, but its
   * metadata no longer carries this key). About another training: twin (it carries a key the state
   * tracks under a different id), untracked (it carries a key the state does not know).
   * One key can have several of these; each is reported.
   */
  kind: 'changed' | 'deleted' | 'untagged' | 'twin' | 'untracked';
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
  /** sha256 of the changes' canonical JSON, each file's fields read by their hash: equal fingerprints, equal changes. */
  fingerprint: string;
  /** The state the plan was made against; lineage null when there was no state file. */
  lineage: string | null;
  serial: number;
  /** Adoptions that cannot be decided (two candidates, a pinned id not found...): nothing may be sent. */
  conflicts: string[];
}

export interface PlanInput {
  trainings: Training[];
  /** Keys of `sync: false` files: left alone even when their state entry would otherwise be orphaned. */
  /** Files left alone (sync: false, ignored): their keys count, and the training one pins is not adopted by another. */
  skipped: { key: string; path?: string; id?: string }[];
  state: State;
  prune: boolean;
  /**
   * For `plan --refresh`: the managed trainings as listed by the API, plus every tracked training
   * missing from that list that a lookup by id still found (its tag was removed in the dashboard).
   */
  remote?: RemoteTraining[];
  /** Trainings of other namespaces the listing held: never adopted; named when a file pins one. */
  others?: RemoteTraining[];
  /**
   * Adopt instead of create: a file with no state entry takes over the training it pins (`id:`), or
   * the one training the tool did not make with the same trigger phrase (trimmed, exact) and type.
   */
  adopt?: boolean;
}

/** Trigger phrases are compared as Open.cx shows them: exactly, after trimming; never fuzzily. */
export const triggerOf = (type: string, title: string) => `${type}\u0000${title.trim()}`;

export function diffFields(before: TrainingFields | undefined, after: TrainingFields | undefined): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of FIELD_NAMES) {
    const b = before?.[field] ?? null;
    const a = after?.[field] ?? null;
    if (!sameValue(b, a)) changes.push({ field, before: b, after: a });
  }
  return changes;
}

/**
 * Equal as JSON text; two strings (a content) compared without writing them out, and a value against
 * null (every field of a create) without either: field values are strings, booleans, lists of strings
 * and windows, none of which is written "null".
 */
function sameValue(b: unknown, a: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' || typeof b === 'string' || a === null || b === null) return false;
  return JSON.stringify(b) === JSON.stringify(a);
}

/** Everything the phases of planChanges share: the desired trainings and what the remote holds. */
interface Context {
  state: State;
  /** Keys of files present (valid or sync: false): never orphaned. */
  present: Set<string>;
  remote: RemoteTraining[] | undefined;
  remoteById: Map<string, RemoteTraining>;
  othersById: Map<string, RemoteTraining>;
  /** Every drift fact, grouped by key: one key can have several (a hand edit and a twin). */
  driftByKey: Map<string, Drift[]>;
}

/** A file as the plan reads it: the training and its fields' hash (taken once). */
function desiredOf(t: Training): Desired {
  return t.id === undefined ? { key: t.key, path: t.path, fields: t.fields, hash: hashFields(t.fields) } : { key: t.key, path: t.path, fields: t.fields, id: t.id, hash: hashFields(t.fields) };
}

export function planChanges(input: PlanInput): Plan {
  const desired = input.trainings.map(desiredOf);
  const drift = input.remote ? detectDrift(input.state, input.remote) : null;
  const present = new Set<string>();
  for (const d of desired) present.add(d.key);
  for (const s of input.skipped) present.add(s.key);
  const ctx: Context = {
    state: input.state,
    present,
    remote: input.remote,
    remoteById: new Map((input.remote ?? []).map((r) => [r.id, r])),
    othersById: new Map((input.others ?? []).map((r) => [r.id, r])),
    driftByKey: new Map(),
  };
  for (const x of drift ?? []) ctx.driftByKey.set(x.key, [...(ctx.driftByKey.get(x.key) ?? []), x]);
  const conflicts: string[] = [];
  const idOwner = new Map([...input.state.trainings].map(([k, e]) => [e.id, k]));
  for (const d of desired) {
    const e = d.id === undefined ? undefined : input.state.trainings.get(d.key);
    if (e && e.id !== d.id) conflicts.push(`${d.path}: pins id ${d.id}, but the state tracks key "${d.key}" as ${e.id}: remove "id:" or fix it`);
  }
  const tracked = planTracked(desired, ctx);
  const orphans = [...input.state.trainings.keys()].filter((k) => !ctx.present.has(k)).sort(byText);
  // A pinned id the state tracks under a key whose file is gone: that file was renamed to this one.
  const pinnedRenames = new Map<string, string>();
  for (const d of tracked.fresh) {
    const owner = d.id === undefined ? undefined : idOwner.get(d.id);
    if (owner === undefined) continue;
    if (ctx.present.has(owner)) conflicts.push(`${d.path}: pins id ${d.id}, which the state tracks for the file of key "${owner}": two files cannot hold one training`);
    else pinnedRenames.set(d.key, owner);
  }
  const taken = new Set(pinnedRenames.values());
  const renames = new Map([
    ...pinnedRenames,
    ...pairRenames(tracked.fresh.filter((d) => d.id === undefined), orphans.filter((k) => !taken.has(k)), input.state),
  ]);
  const unpaired = tracked.fresh.filter((d) => !renames.has(d.key));
  const leftAlone = new Map(input.skipped.flatMap((s) => (s.id === undefined ? [] : [[s.id, s.path ?? `${s.key}.md`] as const])));
  const adoptions = input.adopt ? matchAdoptions(unpaired, ctx, idOwner, leftAlone, conflicts) : new Map<string, Adoption>();
  if (!input.adopt) refusePinsWithoutAdoption(unpaired, ctx, conflicts);
  const fresh = tracked.fresh.map((d) => planFresh(d, renames.get(d.key), ctx, adoptions.get(d.key)));
  const renamed = new Set(renames.values());
  const gone = planGone(orphans.filter((k) => !renamed.has(k)), ctx, input.prune);

  const changes = [...tracked.changes, ...fresh, ...gone.changes].sort((a, b) => byText(a.key, b.key));
  const summary = { create: 0, update: 0, move: 0, delete: 0, unchanged: tracked.unchanged };
  for (const c of changes) summary[c.action]++;
  return {
    format_version: PLAN_FORMAT_VERSION, changes, orphans: gone.kept, drift, summary,
    fingerprint: fingerprintOf(changes), lineage: input.state.lineage, serial: input.state.serial, conflicts,
  };
}

type Adoption = { id: string; match: AdoptMatch };

/**
 * Files the state does not track, matched to trainings the tool did not make: by pinned id (offline
 * too), else by trigger phrase and type (only with the remote read). Ambiguity is a conflict, never a guess.
 */
function matchAdoptions(
  fresh: Desired[],
  ctx: Context,
  idOwner: ReadonlyMap<string, string>,
  leftAlone: ReadonlyMap<string, string>,
  conflicts: string[],
): Map<string, Adoption> {
  const byKey = (d: Desired) => oldestOf(factsOf(ctx, d.key), 'untracked', ctx);
  refusePinsPassedOver(fresh, byKey, conflicts);
  const open = fresh.filter((d) => byKey(d) === undefined);
  const found = matchPinned(open, ctx, idOwner, conflicts);
  if (ctx.remote) matchByTrigger(open, ctx.remote, idOwner, leftAlone, found, conflicts);
  dropShared(open, found, conflicts);
  keepForeignKeys(open, ctx, found, conflicts);
  return found;
}

/**
 * A file whose key an untracked training of ours carries takes that training back, never its pin: a pin
 * naming another training would be silently passed over (and that one left as it is), so it is a conflict.
 */
function refusePinsPassedOver(fresh: Desired[], byKey: (d: Desired) => RemoteTraining | undefined, conflicts: string[]): void {
  for (const d of fresh) {
    const r = d.id === undefined ? undefined : byKey(d);
    if (!r || r.id === d.id) continue;
    conflicts.push(`${d.path}: pins id ${printable(d.id as string)}, but training ${printable(r.id)} in Open.cx carries its key "${printable(d.key)}" (opencx-sync made it): pin "id: ${printable(r.id)}" to take that one back, or give the file another key with "key:" to adopt ${printable(d.id as string)}`);
  }
}

/**
 * The tag is `managed_by` and `key`: adopting a training whose `metadata.key` another integration set
 * would overwrite that value (every other foreign key is sent back). A key equal to the file's is the
 * tool's own, left when someone removed only `managed_by`.
 */
function keepForeignKeys(open: Desired[], ctx: Context, found: Map<string, Adoption>, conflicts: string[]): void {
  for (const d of open) {
    const r = ctx.remoteById.get(found.get(d.key)?.id ?? '');
    if (!r || !isAdoptable(r) || !Object.hasOwn(r.metadata, 'key') || r.metadata.key === d.key) continue;
    const shown = printable(JSON.stringify(r.metadata.key) ?? String(r.metadata.key));
    const value = shown.length > 80 ? `${shown.slice(0, 80)}...` : shown;
    conflicts.push(`${d.path}: training ${printable(r.id)} holds metadata.key ${value} and no managed_by (another integration's field, or opencx-sync's own key with its tag removed): adopting it as "${d.key}" would overwrite it. If that key is opencx-sync's, pin it with "key:" in the file; else remove or rename that metadata key in Open.cx first, or create a new training instead (--no-adopt${d.id === undefined ? '' : ', without "id:"'})`);
    found.delete(d.key);
  }
}

/** A pin names one training: without adoption it would be ignored and a copy of that training created. */
function refusePinsWithoutAdoption(unpaired: Desired[], ctx: Context, conflicts: string[]): void {
  for (const d of unpaired) {
    if (d.id === undefined) continue;
    const r = ctx.remoteById.get(d.id);
    if (r && keyOfRemote(r, ctx.state.namespace) === d.key) continue;
    conflicts.push(`${d.path}: pins id ${printable(d.id)} with "id:", but adoption is off (--no-adopt): drop --no-adopt to adopt that training, or remove "id:" to create a new one`);
  }
}

/** Files that pin an Open.cx id: adopted unless the id is missing or another owner's. */
function matchPinned(open: Desired[], ctx: Context, idOwner: ReadonlyMap<string, string>, conflicts: string[]): Map<string, Adoption> {
  const found = new Map<string, Adoption>();
  for (const d of open) {
    if (d.id === undefined) continue;
    const r = ctx.remoteById.get(d.id);
    const other = ctx.othersById.get(d.id);
    // Another namespace's: "does not hold" would send the user looking for a deletion, or to drop the pin.
    if (ctx.remote && !r && other) {
      conflicts.push(`${d.path}: pins id ${d.id}, which is ${ownerOf(other, ctx.state.namespace)}: it is not adopted (remove the file, or "id:" to create a training of this repository's own)`);
      continue;
    }
    if (ctx.remote && !r) {
      conflicts.push(`${d.path}: pins id ${d.id}, which Open.cx does not hold: check the id, or remove "id:" to create a new training`);
      continue;
    }
    if (r && !isAdoptable(r) && !idOwner.has(r.id)) {
      conflicts.push(`${d.path}: pins id ${d.id}, which is ${ownerOf(r, ctx.state.namespace)}: it is not adopted`);
      continue;
    }
    found.set(d.key, { id: d.id, match: 'pin' });
  }
  return found;
}

/** Who a training that is not adoptable belongs to, in words. */
function ownerOf(r: RemoteTraining, namespace: string): string {
  const key = keyOfRemote(r, namespace);
  if (key !== undefined) return `made by opencx-sync for key "${key}"`;
  const ns = otherNamespaceOf(r.metadata, namespace);
  if (ns !== undefined) return `tagged by the repository of ${namespaceName(ns)}`;
  return `tagged by another tool (managed_by ${JSON.stringify(String(r.metadata.managed_by))})`;
}

/** Unpinned files matched by trigger phrase and type to exactly one untagged, untracked training. */
function matchByTrigger(
  open: Desired[],
  remote: RemoteTraining[],
  idOwner: ReadonlyMap<string, string>,
  leftAlone: ReadonlyMap<string, string>,
  found: Map<string, Adoption>,
  conflicts: string[],
): void {
  const pinnedIds = new Set(open.flatMap((d) => (d.id === undefined ? [] : [d.id])));
  const byTrigger = new Map<string, RemoteTraining[]>();
  for (const r of remote) {
    if (!isAdoptable(r) || idOwner.has(r.id) || pinnedIds.has(r.id)) continue;
    // A training with pending dashboard edits answers to its published title (live for customers) as
    // well as to the one being edited: a file with either adopts it, never duplicates the live answer.
    for (const t of new Set([triggerOf(r.type, r.draft_title ?? r.title), triggerOf(r.type, r.title)])) byTrigger.set(t, [...(byTrigger.get(t) ?? []), r]);
  }
  for (const d of open) {
    if (d.id !== undefined) continue;
    const rs = byTrigger.get(triggerOf(d.fields.type, d.fields.title));
    if (!rs?.length) continue;
    const alone = rs.find((r) => leftAlone.has(r.id));
    if (alone) {
      conflicts.push(`${d.path}: has the trigger phrase and type of training ${printable(alone.id)}, which ${leftAlone.get(alone.id)} leaves alone (sync: false, or "ignore" in the config): reword one of them, or let ${d.path} take it over by removing that file's "id:"`);
      continue;
    }
    if (rs.length > 1) {
      const ids = [...rs].sort(byCreation).map((r) => printable(r.id));
      conflicts.push(`${d.path}: ${ids.length} trainings in Open.cx have its trigger phrase and type (${ids.join(', ')}): pin the one to adopt with "id: <id>" in the front-matter, or delete the others`);
      continue;
    }
    found.set(d.key, { id: (rs[0] as RemoteTraining).id, match: 'trigger' });
  }
}

/** One training, one file: a training several files matched is adopted by none of them. */
function dropShared(open: Desired[], found: Map<string, Adoption>, conflicts: string[]): void {
  const files = new Map<string, string[]>();
  for (const d of open) {
    const f = found.get(d.key);
    if (f) files.set(f.id, [...(files.get(f.id) ?? []), d.path]);
  }
  for (const [id, paths] of files) {
    if (paths.length < 2) continue;
    const shown = printable(id);
    const allPinned = open.every((d) => found.get(d.key)?.id !== id || d.id === id);
    conflicts.push(
      allPinned
        ? `${paths.join(', ')}: these files all pin id ${shown} with "id:": keep "id: ${shown}" in the one file that holds that training`
        : `${paths.join(', ')}: these files all match training ${shown} in Open.cx: give all but one another trigger phrase, or pin the right one with "id: ${shown}"`,
    );
    for (const d of open) if (found.get(d.key)?.id === id) found.delete(d.key);
  }
}

/** The plan narrowed to some of its changes (a saved plan's), its summary and fingerprint to match. */
export function withChanges(plan: Plan, changes: Change[]): Plan {
  const summary = { create: 0, update: 0, move: 0, delete: 0, unchanged: plan.summary.unchanged };
  for (const c of changes) summary[c.action]++;
  return { ...plan, changes, summary, fingerprint: fingerprintOf(changes) };
}

export function fingerprintOf(changes: Change[]): string {
  return canonicalArraySha256(changes, writeFingerprinted);
}

/**
 * What the fingerprint reads of a change: a file's fields by their hash (taken once, when the plan began),
 * and each field change's new value left out where it is the file's own (the hash holds it). A plan of
 * 10,000 creates is then hashed from 10,000 short records, not from every content written out twice.
 * The plain form of what writeFingerprinted writes; a test holds the two together.
 */
export function fingerprinted(c: Change): object {
  if (!('fields' in c)) return c;
  const { fields, ...rest } = c;
  const changes = c.changes.map((fc) => (fc.after === (fields[fc.field] ?? null) ? [fc.field, fc.before] : fc));
  return { ...rest, changes };
}

/** canonicalJson(fingerprinted(c)), as writeFingerprinted writes it. */
export function fingerprintText(c: Change): string {
  const parts: string[] = [];
  writeFingerprinted(c, parts);
  return parts.join('');
}

/**
 * canonicalJson(fingerprinted(c)) in parts, straight from the change: no copy of the change without its
 * fields, no new list of its field changes, no string per change (a third of planning 10,000 creates
 * went into those, and most of its garbage).
 */
function writeFingerprinted(c: Change, parts: string[]): void {
  if (!('fields' in c)) {
    parts.push(canonicalJson(c));
    return;
  }
  parts.push('{');
  let first = true;
  // Index loops, no destructuring: a cold CLI runs this in V8's interpreter, where `for (const [k, v] of ...)`
  // makes an iterator per key.
  const keys = sortedKeys(c);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as readonly [string, string];
    const k = key[0];
    const quoted = key[1];
    if (k === 'fields') continue;
    const x = (c as unknown as Record<string, unknown>)[k];
    if (x === undefined) continue;
    if (!first) parts.push(',');
    first = false;
    parts.push(quoted);
    if (k === 'changes') writeFieldChanges(c.changes, c.fields, parts);
    else parts.push(typeof x === 'string' ? JSON.stringify(x) : canonicalJson(x));
  }
  parts.push('}');
}

/** The JSON text of each field name, quoted once, and its place in FIELD_NAMES. */
const QUOTED_FIELD = new Map<string, string>(FIELD_NAMES.map((f) => [f, JSON.stringify(f)]));
const FIELD_BIT = new Map<string, number>(FIELD_NAMES.map((f, i) => [f, 1 << i]));

/**
 * The text of a create's field changes, by the fields it sets: every one `[field,null]`, in FIELD_NAMES
 * order (as diffFields lists them), so the set of fields alone gives the text.
 */
const newFieldsText = new Map<number, string>();

function writeFieldChanges(changes: readonly FieldChange[], fields: TrainingFields, parts: string[]): void {
  let set = 0;
  for (const fc of changes) {
    const bit = FIELD_BIT.get(fc.field) ?? 0;
    // Not a new file's own value, or not in order: written out in full below.
    if (fc.before !== null || bit <= set || fc.after !== (fields[fc.field] ?? null)) {
      set = -1;
      break;
    }
    set |= bit;
  }
  if (set >= 0) {
    let text = newFieldsText.get(set);
    if (text === undefined) newFieldsText.set(set, (text = `[${changes.map((fc) => `[${QUOTED_FIELD.get(fc.field)},null]`).join(',')}]`));
    parts.push(text);
    return;
  }
  parts.push('[');
  for (let i = 0; i < changes.length; i++) {
    const fc = changes[i] as FieldChange;
    if (i) parts.push(',');
    if (fc.after === (fields[fc.field] ?? null)) parts.push('[', QUOTED_FIELD.get(fc.field) ?? JSON.stringify(fc.field), ',', canonicalJson(fc.before), ']');
    else parts.push(canonicalJson(fc));
  }
  parts.push(']');
}

// The same order as localeCompare (which is defined as a default collator's compare), made once.
const byText = new Intl.Collator().compare;

/** Files whose key the state tracks: unchanged, updated, moved (pinned key), or recreated. */
function planTracked(desired: Desired[], ctx: Context): { changes: Change[]; unchanged: number; fresh: Desired[] } {
  const changes: Change[] = [];
  const fresh: Desired[] = [];
  let unchanged = 0;
  for (const d of desired) {
    const entry = ctx.state.trainings.get(d.key);
    if (!entry) {
      fresh.push(d);
      continue;
    }
    const c = planEntry(d, entry, ctx);
    if (c) changes.push(c);
    else unchanged++;
  }
  return { changes, unchanged, fresh };
}

function planEntry(d: Desired, entry: StateEntry, ctx: Context): Change | undefined {
  const facts = factsOf(ctx, d.key);
  const kinds: ReadonlySet<Drift['kind']> = facts.length ? new Set(facts.filter((x) => x.id === entry.id).map((x) => x.kind)) : NO_KINDS;
  if (kinds.has('deleted')) {
    // A twin carrying the key is the training now: take it over rather than make another copy.
    const found = oldestOf(facts, 'twin', ctx);
    return createOf(d, false, found?.id ?? null, 'deleted', diffFields(found && fieldsOfRemote(found, d.fields), d.fields));
  }
  const r = ctx.remoteById.get(entry.id);
  if (r && (kinds.has('untagged') || kinds.has('changed'))) {
    // Edited by hand to exactly what the file now says is no conflict: the write only updates the state.
    const toFile = diffFields(fieldsOfRemote(r, d.fields), d.fields);
    const drift = kinds.has('untagged') ? 'untagged' : toFile.length ? 'changed' : null;
    return updateOf(d, entry.id, drift, toFile);
  }
  // What Open.cx holds as far as we know: unknown offline while a write of ours may have landed. An
  // unrecorded write is written once more even when it matches, so the state records it.
  // Offline, a window the file starts (or stops) owning is a change even though the last apply did not own it.
  const held = r ? hashFields(fieldsOfRemote(r, d.fields)) : entry.writing ? undefined : entry.hash;
  // A file that stopped owning the window: written once (the window kept), so the state forgets it too.
  const released = entry.applied.active !== undefined && d.fields.active === undefined;
  if (held !== d.hash || entry.writing || released) {
    return updateOf(d, entry.id, null, diffFields(r ? fieldsOfRemote(r, d.fields) : entry.applied, d.fields));
  }
  if (entry.path !== d.path) return moveOf(d, entry, d.key, false, []);
  return undefined;
}

/**
 * A file renamed to a new key is the same training: pairs each new key with a tracked key whose file
 * is gone. Rules, in order, each over all new files before the next: every field identical; the same
 * content, whatever else changed; the same title (trigger phrase), whatever else changed (type too).
 * Keys are taken in sorted order, each at most once; a key with a pending create is never paired.
 */
function pairRenames(fresh: Desired[], orphans: string[], state: State): Map<string, string> {
  const rules: [(d: Desired) => string, (e: StateEntry) => string][] = [
    [(d) => d.hash, (e) => e.hash],
    [(d) => d.fields.content, (e) => e.applied.content],
    [(d) => d.fields.title, (e) => e.applied.title],
  ];
  const pairs = new Map<string, string>();
  // Nothing gone, nothing to pair (every first plan, and most plans after it).
  if (orphans.length === 0 || fresh.length === 0) return pairs;
  const taken = new Set<string>();
  const candidates = fresh.filter((d) => !state.pending.has(d.key)).sort((a, b) => byText(a.key, b.key));
  for (const [ofDesired, ofEntry] of rules) {
    const byValue = new Map<string, string[]>();
    for (const k of orphans) {
      const v = ofEntry(state.trainings.get(k) as StateEntry);
      byValue.set(v, [...(byValue.get(v) ?? []), k]);
    }
    for (const d of candidates) {
      if (pairs.has(d.key)) continue;
      const from = byValue.get(ofDesired(d))?.find((k) => !taken.has(k));
      if (from === undefined) continue;
      pairs.set(d.key, from);
      taken.add(from);
    }
  }
  return pairs;
}

const NO_FACTS: readonly Drift[] = [];
const NO_KINDS: ReadonlySet<Drift['kind']> = new Set();
/** The drift facts about a key: none without a refresh (no empty list made per file for it). */
const factsOf = (ctx: Context, key: string): readonly Drift[] => ctx.driftByKey.get(key) ?? NO_FACTS;

/** The original among the trainings of one kind of fact: the oldest, never a later dashboard copy. */
function oldestOf(facts: readonly Drift[], kind: Drift['kind'], ctx: Context): RemoteTraining | undefined {
  if (facts.length === 0) return undefined;
  const found = facts.filter((x) => x.kind === kind).map((x) => ctx.remoteById.get(x.id));
  return found.filter((r): r is RemoteTraining => r !== undefined).sort(byCreation)[0];
}

/** A key the state does not track: a rename of a tracked training, or a create (adopting a match). */
function planFresh(d: Desired, from: string | undefined, ctx: Context, match: { id: string; match: AdoptMatch } | undefined): Change {
  const entry = from === undefined ? undefined : ctx.state.trainings.get(from);
  if (from !== undefined && entry) {
    return moveOf(d, entry, from, true, diffFields(entry.applied, d.fields));
  }
  const found = oldestOf(factsOf(ctx, d.key), 'untracked', ctx);
  if (!found && match) {
    const r = ctx.remoteById.get(match.id);
    return createOf(d, false, match.id, null, diffFields(r && fieldsOfRemote(r, d.fields), d.fields), match.match);
  }
  return createOf(d, ctx.state.pending.has(d.key) && !ctx.remote, found?.id ?? null, null, diffFields(found && fieldsOfRemote(found, d.fields), d.fields));
}

// A change is written out from its file, never `{ ...d, action, ... }`: a spread with more properties
// after it takes V8's slow path, ~5 µs a change (50 ms of a plan of 10,000 creates).

function createOf(d: Desired, lookup: boolean, adopt: string | null, drift: 'deleted' | null, changes: FieldChange[], match?: AdoptMatch): Change {
  const c: Extract<Change, { action: 'create' }> = { key: d.key, path: d.path, fields: d.fields, hash: d.hash, action: 'create', lookup, adopt, drift, changes };
  if (d.id !== undefined) c.id = d.id;
  if (match !== undefined) c.match = match;
  return c;
}

/** An update or a move names the tracked training's id, whatever the file pins. */
function updateOf(d: Desired, id: string, drift: 'changed' | 'untagged' | null, changes: FieldChange[]): Change {
  return { key: d.key, path: d.path, fields: d.fields, hash: d.hash, action: 'update', id, drift, changes };
}

function moveOf(d: Desired, entry: StateEntry, from: string, remote: boolean, changes: FieldChange[]): Change {
  return { key: d.key, path: d.path, fields: d.fields, hash: d.hash, action: 'move', id: entry.id, from, fromPath: entry.path, remote, changes };
}

/** Tracked trainings whose file is gone, and creates begun for a file since removed: deleted with prune. */
function planGone(orphans: string[], ctx: Context, prune: boolean): { changes: Change[]; kept: Plan['orphans'] } {
  const { state } = ctx;
  const gone = [
    ...orphans.map((k) => {
      const e = state.trainings.get(k) as StateEntry;
      return { key: k, path: e.path, id: e.id as string | null, applied: e.applied as TrainingFields | undefined };
    }),
    // A create that was started for a file since removed may exist remotely: look it up to delete it.
    ...[...state.pending]
      .filter(([k]) => !ctx.present.has(k) && !state.trainings.has(k))
      .map(([k, p]: [string, PendingCreate]) => ({ key: k, path: p.path, id: null, applied: undefined })),
  ];
  const changes: Change[] = [];
  const kept: Plan['orphans'] = [];
  for (const o of gone) {
    if (prune) changes.push({ action: 'delete', key: o.key, path: o.path, id: o.id, changes: diffFields(o.applied, undefined) });
    else kept.push({ key: o.key, path: o.path, id: o.id });
  }
  return { changes, kept };
}

/**
 * How a training in Open.cx differs from what the state says we last wrote to it: nothing when it
 * holds exactly that, or what a write of ours that was never recorded (a killed run) made it.
 */
export function driftOf(key: string, entry: StateEntry, r: RemoteTraining, namespace: string): ('untagged' | 'changed')[] {
  // Compared as far as the last apply owned: a window it left alone may change in the dashboard freely.
  const hash = hashFields(fieldsOfRemote(r, entry.applied));
  const tag = keyOfRemote(r, namespace);
  // An Open.cx that keeps no metadata on PUT leaves the old tag: the entry says which one to expect.
  const expected = tagOfEntry(key, entry);
  // An unrecorded write may have started owning the window (or stopped): either reading is ours.
  const ours = [hash, hashFields(fieldsOfRemote(r, entry.applied.active ? {} : { active: { from: null, until: null } }))];
  if (entry.writing && (tag === entry.writing.key || tag === expected) && ours.some((h) => entry.writing?.hashes.includes(h))) return [];
  const kinds: ('untagged' | 'changed')[] = [];
  if (tag !== expected) kinds.push('untagged');
  if (hash !== entry.hash) kinds.push('changed');
  return kinds;
}

/** Compares each state entry with what the API holds now. Pure: the caller lists the remote. */
export function detectDrift(state: State, remote: RemoteTraining[]): Drift[] {
  const byId = new Map(remote.map((r) => [r.id, r]));
  const trackedIds = new Set([...state.trainings.values()].map((e) => e.id));
  const drift: Drift[] = [];
  for (const [key, entry] of state.trainings) {
    const r = byId.get(entry.id);
    if (!r) {
      drift.push({ key, kind: 'deleted', id: entry.id, changes: [] });
      continue;
    }
    for (const kind of driftOf(key, entry, r, state.namespace)) {
      drift.push({ key, kind, id: entry.id, changes: kind === 'changed' ? diffFields(entry.applied, fieldsOfRemote(r, entry.applied)) : [] });
    }
  }
  for (const r of remote) {
    // Only this namespace's tag: another repository's trainings are neither twins nor untracked here.
    const key = keyOfRemote(r, state.namespace);
    if (key === undefined || trackedIds.has(r.id)) continue;
    drift.push({ key, kind: state.trainings.has(key) ? 'twin' : 'untracked', id: r.id, changes: [] });
  }
  // Stable order: by key, then the tracked training's facts before other trainings'.
  const rank = { deleted: 0, untagged: 1, changed: 2, twin: 3, untracked: 3 } as const;
  return drift.sort((a, b) => byText(a.key, b.key) || rank[a.kind] - rank[b.kind] || byText(a.id, b.id));
}
