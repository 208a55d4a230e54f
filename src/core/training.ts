// The Training model: what a Markdown file means, and the one schema for its front-matter.
// Add a front-matter field here and everything downstream (parse, hash, plan, payload) follows.
import { z } from 'zod';
import { MANAGED_BY, tagOf } from './namespace.js';

export const TRAINING_TYPES = ['SCENARIO_SPECIFIC', 'BEHAVIORAL'] as const;
export type TrainingType = (typeof TRAINING_TYPES)[number];

export const CHANNELS = [
  'web', 'email', 'phone_voice', 'slack', 'sms', 'whatsapp', 'instagram', 'messenger', 'api', 'web_voice',
] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * A value Open.cx may hold that this version does not know (a channel or type added there later).
 * Read from the API, it is kept as it is, so it shows in a diff and is never silently dropped.
 */
export type OrUnknown<T extends string> = T | (string & Record<never, never>);

/** Tag written into `metadata.managed_by` of every training this tool creates (the default namespace's; see namespace.ts). */
export { MANAGED_BY } from './namespace.js';

const noNul = (s: string) => !s.includes('\0');

/** An ISO 8601 date-time with a timezone (Z or ±hh:mm): a window without one means a different instant per reader. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

export function isIsoDateTime(s: string): boolean {
  const m = ISO_DATE_TIME.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  // Date.parse rolls 2026-02-30 over to March: check the calendar date as written.
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDate() === d && mo >= 1 && mo <= 12 && h < 24 && mi < 60 && se < 60;
}

/** One instant, one text: a window read back from Open.cx compares equal to the file's however it is written. */
export function canonicalInstant(s: string | null): string | null {
  if (s === null) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? s : new Date(t).toISOString();
}

const dateTime = z.string().trim().refine(isIsoDateTime, 'must be an ISO 8601 date-time with a timezone, e.g. 2026-01-31T09:00:00Z or 2026-01-31T10:00:00+01:00');
const nonEmpty = z.string().trim().min(1, 'must not be empty').refine(noNul, 'must not contain NUL characters: remove them');

/** Front-matter as written by people. Strict: an unknown key is an error, not a silent no-op. */
export const frontMatterSchema = z.strictObject({
  title: nonEmpty.optional(),
  type: z.enum(TRAINING_TYPES).optional(),
  draft: z.boolean().optional(),
  directory: nonEmpty.nullable().optional(),
  channels: z.array(z.enum(CHANNELS)).optional(),
  segments: z.array(nonEmpty).optional(),
  // Trimmed (a `key: |` block ends in a newline); a control character inside is a mistake, not a key.
  key: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((k) => !/[\u0000-\u001f\u007f]/.test(k), 'must not contain line breaks, tabs or other control characters')
    .refine((k) => !k.startsWith('/') && !k.endsWith('/') && !k.split('/').includes('..'), {
      message: 'must not start or end with "/" or contain ".."',
    })
    .optional(),
  sync: z.boolean().optional(),
  /** The Open.cx id of an existing training this file takes over (adopts) instead of creating one. */
  id: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((k) => !/[\u0000-\u001f\u007f]/.test(k), 'must not contain line breaks, tabs or other control characters')
    .optional(),
  /**
   * The content as one quoted string, for text a body cannot hold exactly (leading blank lines, trailing
   * spaces, carriage returns): import writes it; the body must then be empty. Kept verbatim, never trimmed.
   */
  content: z
    .string()
    .refine(noNul, 'must not contain NUL characters: remove them')
    .refine((c) => c.trim() !== '', 'must not be empty')
    .optional(),
  /** The active window (start_time/end_time); null = none. Absent: the file leaves the window as Open.cx holds it. */
  active: z
    // An end left out or null (natural YAML for "open") is no bound: the two mean the same.
    .strictObject({ from: dateTime.nullable().optional(), until: dateTime.nullable().optional() })
    .refine((w) => w.from == null || w.until == null || Date.parse(w.from) < Date.parse(w.until), {
      message: 'active.from must be before active.until',
      path: ['until'],
    })
    .nullable()
    .optional(),
});
export type FrontMatter = z.infer<typeof frontMatterSchema>;
export const FRONT_MATTER_KEYS = Object.keys(frontMatterSchema.shape) as (keyof FrontMatter)[];

/** Keys people reach for because the API or other tools call them that. */
export const FRONT_MATTER_ALIASES: ReadonlyMap<string, keyof FrontMatter> = new Map([
  ['is_draft', 'draft'],
  ['published', 'draft'],
  ['restricted_to_channels', 'channels'],
  ['channel', 'channels'],
  ['restricted_to_segments', 'segments'],
  ['segment', 'segments'],
  ['directory_id', 'directory'],
  ['folder', 'directory'],
  ['trigger', 'title'],
  ['name', 'title'],
  ['external_id', 'key'],
  ['start_time', 'active'],
  ['end_time', 'active'],
  ['window', 'active'],
]);

/** The desired state of one training, resolved and normalised: what the API should hold. */
export interface Training {
  key: string;
  /** POSIX path relative to the trainings folder. */
  path: string;
  fields: TrainingFields;
  /** `id:` in the front-matter: the Open.cx training this file adopts when the state does not track it. */
  id?: string;
}

/** An active window, each end canonical (UTC, milliseconds) or null for no bound. */
export interface ActiveWindow {
  from: string | null;
  until: string | null;
}

/**
 * The fields we own on the remote training. Channels and segments are sorted: order means nothing.
 * Read from a file, type and channels are always known values; read from Open.cx, they may not be.
 */
export interface TrainingFields {
  title: string;
  content: string;
  type: OrUnknown<TrainingType>;
  draft: boolean;
  directory: string | null;
  channels: OrUnknown<Channel>[];
  segments: string[];
  /**
   * Only when the file sets `active:` (it then owns start_time/end_time). Absent, the window is not
   * ours: kept as Open.cx holds it, left out of the hash, so files without it hash as they always did.
   */
  active?: ActiveWindow;
}

export const FIELD_NAMES = ['title', 'content', 'type', 'draft', 'directory', 'channels', 'segments', 'active'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/**
 * The fields a PUT may carry: the documented create body. Everything else the API returns (id, draft_*,
 * current_version, published_at, created_at, updated_at, ...) is the server's and is never sent.
 */
export interface TrainingPayload {
  title: string;
  content: string;
  type: TrainingFields['type'];
  is_draft: boolean;
  directory_id: string | null;
  restricted_to_channels: TrainingFields['channels'];
  restricted_to_segments: string[];
  metadata: Record<string, unknown>;
  start_time?: string | null;
  end_time?: string | null;
}

function sameSet<T extends string>(theirs: T[] | undefined, mine: T[]): T[] | undefined {
  if (!theirs || theirs.length !== mine.length) return undefined;
  const sorted = [...theirs].sort();
  return sorted.every((v, i) => v === mine[i]) ? theirs : undefined;
}

/** The metadata keys this tool owns on a training: the only ones it ever sets. */
export function managedTag(key: string, namespace: string): { managed_by: string; key: string } {
  return { managed_by: tagOf(namespace), key };
}

/**
 * A training the tool may take over: one no tool tagged (no `managed_by`). A training of ours is found
 * by its key instead; one another tool tagged is that tool's, and left alone.
 */
export function isAdoptable(r: RemoteTraining): boolean {
  return !Object.hasOwn(r.metadata, 'managed_by');
}

/**
 * The body of a create, or of a PUT that starts from `base` (the training as Open.cx holds it) and
 * changes only what the files own: foreign metadata keys and an active window the file does not set
 * are sent back as they were, since a PUT resets what it omits.
 */
export function toPayload(key: string, f: TrainingFields, namespace: string, base?: RemoteTraining): TrainingPayload {
  const payload: TrainingPayload = {
    title: f.title,
    content: f.content,
    type: f.type,
    is_draft: f.draft,
    directory_id: f.directory,
    // The same set in Open.cx's own order: order means nothing to the tool, but it is not ours to change.
    restricted_to_channels: sameSet(base?.restricted_to_channels, f.channels) ?? f.channels,
    restricted_to_segments: sameSet(base?.restricted_to_segments, f.segments) ?? f.segments,
    metadata: { ...(base?.metadata ?? {}), ...managedTag(key, namespace) },
  };
  if (f.active) {
    // The same instant as Open.cx holds is sent in its own spelling: no precision lost to ours.
    const keep = (mine: string | null, theirs: string | null | undefined) =>
      theirs !== undefined && theirs !== null && canonicalInstant(theirs) === mine ? theirs : mine;
    payload.start_time = keep(f.active.from, base?.start_time);
    payload.end_time = keep(f.active.until, base?.end_time);
  } else if (base) {
    // Sent only when set: a training without a window never meets fields an older API may refuse.
    if (base.start_time !== null) payload.start_time = base.start_time;
    if (base.end_time !== null) payload.end_time = base.end_time;
  }
  return payload;
}

/** A training as the API returns it, reduced to what we compare. Parsed leniently at the I/O edge. */
export interface RemoteTraining {
  id: string;
  title: string;
  content: string;
  draft_title: string | null;
  draft_content: string | null;
  type: OrUnknown<TrainingType>;
  is_draft: boolean;
  directory_id: string | null;
  restricted_to_channels: OrUnknown<Channel>[];
  restricted_to_segments: string[];
  metadata: Record<string, unknown>;
  /** The active window as the API spelt it (null: no bound). */
  start_time: string | null;
  end_time: string | null;
  created_at?: string;
  updated_at?: string;
}

/**
 * The effective fields of a remote training: the text being edited wins over the published text.
 * The active window is included only when `like` (the file or state compared with) owns one.
 */
export function fieldsOfRemote(r: RemoteTraining, like?: Pick<TrainingFields, 'active'>): TrainingFields {
  const fields: TrainingFields = {
    title: r.draft_title ?? r.title,
    content: r.draft_content ?? r.content,
    type: r.type,
    draft: r.is_draft,
    directory: r.directory_id,
    channels: [...r.restricted_to_channels].sort(),
    segments: [...r.restricted_to_segments].sort(),
  };
  if (like?.active) fields.active = windowOfRemote(r);
  return fields;
}

export function windowOfRemote(r: RemoteTraining): ActiveWindow {
  return { from: canonicalInstant(r.start_time), until: canonicalInstant(r.end_time) };
}

/** `metadata.probe` of the temporary training `opencx-sync doctor` makes (with `managed_by` and a `run`). */
export const PROBE_TAG = 'doctor';

/** A doctor probe: never a managed training, never lost state, never imported or adopted. */
export function isProbe(r: Pick<RemoteTraining, 'metadata'>): boolean {
  return r.metadata.managed_by === MANAGED_BY && r.metadata.probe === PROBE_TAG;
}

/** The key a training carries when it is tagged for `namespace` ('' = the default namespace). */
export function keyOfRemote(r: RemoteTraining, namespace: string): string | undefined {
  const { managed_by, key } = r.metadata;
  return managed_by === tagOf(namespace) && typeof key === 'string' && !isProbe(r) ? key : undefined;
}

/** Oldest first by `created_at`; trainings without one keep their listed order, after the dated ones. */
export function byCreation(a: RemoteTraining, b: RemoteTraining): number {
  const ta = a.created_at ? Date.parse(a.created_at) : NaN;
  const tb = b.created_at ? Date.parse(b.created_at) : NaN;
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? 0 : Number.isNaN(ta) ? 1 : -1;
  return ta - tb;
}
