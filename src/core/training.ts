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
  ['id', 'key'],
  ['external_id', 'key'],
]);

/** The desired state of one training, resolved and normalised: what the API should hold. */
export interface Training {
  key: string;
  /** POSIX path relative to the trainings folder. */
  path: string;
  fields: TrainingFields;
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
}

export const FIELD_NAMES = ['title', 'content', 'type', 'draft', 'directory', 'channels', 'segments'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Body of POST /training and PUT /training/{id}: always the complete object (PUT resets omitted fields). */
export interface TrainingPayload {
  title: string;
  content: string;
  type: TrainingFields['type'];
  is_draft: boolean;
  directory_id: string | null;
  restricted_to_channels: TrainingFields['channels'];
  restricted_to_segments: string[];
  metadata: { managed_by: string; key: string };
}

export function toPayload(key: string, f: TrainingFields, namespace: string): TrainingPayload {
  return {
    title: f.title,
    content: f.content,
    type: f.type,
    is_draft: f.draft,
    directory_id: f.directory,
    restricted_to_channels: f.channels,
    restricted_to_segments: f.segments,
    metadata: { managed_by: tagOf(namespace), key },
  };
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
  created_at?: string;
  updated_at?: string;
}

/** The effective fields of a remote training: the text being edited wins over the published text. */
export function fieldsOfRemote(r: RemoteTraining): TrainingFields {
  return {
    title: r.draft_title ?? r.title,
    content: r.draft_content ?? r.content,
    type: r.type,
    draft: r.is_draft,
    directory: r.directory_id,
    channels: [...r.restricted_to_channels].sort(),
    segments: [...r.restricted_to_segments].sort(),
  };
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
