// The sandbox's in-memory Open.cx: training records, body validation in the style of the real NestJS
// backend, the draft/version rules, and Postgres jsonb containment for the metadata filter.
import { CHANNELS, TRAINING_TYPES, type Channel, type TrainingType } from '../core/training.js';

/**
 * The API's side of the contract, written out on purpose rather than shared with the client's
 * RemoteTraining: a shared type would let a client mistake pass for server behaviour.
 */
export interface TrainingRecord {
  id: string;
  title: string;
  content: string;
  draft_title: string | null;
  draft_content: string | null;
  type: TrainingType;
  is_draft: boolean;
  directory_id: string | null;
  restricted_to_channels: Channel[];
  restricted_to_segments: string[];
  current_version: number | null;
  metadata: Record<string, unknown>;
  published_at: string | null;
  start_time: string | null;
  end_time: string | null;
  created_at: string;
  updated_at: string;
  /** Insertion order, for a stable sort among equal created_at. Not part of the API object. */
  seq: number;
}

export type ApiTraining = Omit<TrainingRecord, 'seq'>;

export function toApi(r: TrainingRecord): ApiTraining {
  const { seq: _seq, ...rest } = r;
  return rest;
}

export interface Behaviour {
  /** `is_draft` when a create or a (whole-object) update omits it. The UI says content "drafts first". */
  defaultDraft: boolean;
  /** The product guide: changing a scenario's type resets its draft/published state. */
  typeChangeResetsDraft: boolean;
  /** PUT: an omitted optional field goes back to its default (strict), or keeps its stored value. */
  putOmitted: 'reset' | 'keep';
  /** PUT with `metadata`: stored (strict), refused with 400, or dropped silently; the last two keep what is stored. */
  putMetadata: 'accept' | 'reject' | 'ignore';
  /** Status of a successful create. */
  createStatus: 200 | 201;
  /** PUT /training/{id}/draft: sets the state the body names (strict), or flips it whatever the body says. */
  draftEndpoint: 'explicit' | 'toggle';
  /** Default order of GET /training by created_at. */
  listOrder: 'newest' | 'oldest';
  /** DELETE: 204 with no body (strict), or 200 with the deleted training. */
  deleteStatus: 204 | 200;
  /** With a rate limit set: X-RateLimit-Limit and X-RateLimit-Remaining on every answer (strict: none). */
  rateLimitHeaders: boolean;
}

/** The strict reading: where the docs are silent, the behaviour that is hardest on a client. */
export const STRICT: Behaviour = {
  defaultDraft: true,
  typeChangeResetsDraft: true,
  putOmitted: 'reset',
  putMetadata: 'accept',
  createStatus: 201,
  draftEndpoint: 'explicit',
  listOrder: 'newest',
  deleteStatus: 204,
  rateLimitHeaders: false,
};

export interface TrainingInput {
  title: string;
  content: string;
  type?: TrainingType;
  is_draft?: boolean;
  directory_id?: string | null;
  restricted_to_channels?: Channel[];
  restricted_to_segments?: string[];
  metadata?: Record<string, unknown>;
  start_time?: string | null;
  end_time?: string | null;
}

const FIELDS = [
  'title', 'content', 'type', 'is_draft', 'directory_id', 'restricted_to_channels',
  'restricted_to_segments', 'metadata', 'start_time', 'end_time',
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** class-validator style messages: every problem, as a list. */
export function validateTrainingBody(body: unknown): { input: TrainingInput } | { messages: string[] } {
  if (!isObject(body)) return { messages: ['request body must be a JSON object'] };
  const m: string[] = [];
  for (const k of Object.keys(body)) if (!FIELDS.includes(k)) m.push(`property ${k} should not exist`);
  for (const k of ['title', 'content']) {
    const v = body[k];
    if (typeof v !== 'string') m.push(`${k} must be a string`, `${k} should not be empty`);
    else if (v.trim() === '') m.push(`${k} should not be empty`);
  }
  if (body.type !== undefined && !TRAINING_TYPES.includes(body.type as TrainingType)) {
    m.push(`type must be one of the following values: ${TRAINING_TYPES.join(', ')}`);
  }
  if (body.is_draft !== undefined && typeof body.is_draft !== 'boolean') m.push('is_draft must be a boolean value');
  if (body.directory_id !== undefined && body.directory_id !== null && typeof body.directory_id !== 'string') {
    m.push('directory_id must be a string');
  }
  const ch = body.restricted_to_channels;
  if (ch !== undefined) {
    if (!Array.isArray(ch)) m.push('restricted_to_channels must be an array');
    else if (ch.some((c) => !CHANNELS.includes(c as Channel))) {
      m.push(`each value in restricted_to_channels must be one of the following values: ${CHANNELS.join(', ')}`);
    }
  }
  const sg = body.restricted_to_segments;
  if (sg !== undefined && (!Array.isArray(sg) || sg.some((s) => typeof s !== 'string'))) {
    m.push('each value in restricted_to_segments must be a string');
  }
  if (body.metadata !== undefined && !isObject(body.metadata)) m.push('metadata must be an object');
  for (const k of ['start_time', 'end_time']) {
    const v = body[k];
    if (v !== undefined && v !== null && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) {
      m.push(`${k} must be a valid ISO 8601 date string`);
    }
  }
  return m.length ? { messages: m } : { input: body as unknown as TrainingInput };
}

export function createRecord(id: string, seq: number, input: TrainingInput, now: string, b: Behaviour): TrainingRecord {
  const draft = input.is_draft ?? b.defaultDraft;
  return {
    id,
    title: input.title,
    content: input.content,
    draft_title: null,
    draft_content: null,
    type: input.type ?? 'SCENARIO_SPECIFIC',
    is_draft: draft,
    directory_id: input.directory_id ?? null,
    restricted_to_channels: input.restricted_to_channels ?? [],
    restricted_to_segments: input.restricted_to_segments ?? [],
    current_version: draft ? null : 1,
    metadata: input.metadata ?? {},
    published_at: draft ? null : now,
    start_time: input.start_time ?? null,
    end_time: input.end_time ?? null,
    created_at: now,
    updated_at: now,
    seq,
  };
}

/** The `putOmitted: 'keep'` reading: every optional field the body leaves out keeps its stored value. */
export function withStoredFields(r: TrainingRecord, input: TrainingInput): TrainingInput {
  const stored: Omit<TrainingInput, 'title' | 'content'> = {
    type: r.type,
    is_draft: r.is_draft,
    directory_id: r.directory_id,
    restricted_to_channels: r.restricted_to_channels,
    restricted_to_segments: r.restricted_to_segments,
    metadata: r.metadata,
    start_time: r.start_time,
    end_time: r.end_time,
  };
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { ...stored, ...given } as TrainingInput;
}

/** PUT is a whole-object update: an omitted optional field goes back to its default (the strict reading). */
export function updateRecord(r: TrainingRecord, input: TrainingInput, now: string, b: Behaviour): TrainingRecord {
  const type = input.type ?? 'SCENARIO_SPECIFIC';
  const draft = input.is_draft ?? b.defaultDraft;
  const base: TrainingRecord = {
    ...r,
    type,
    is_draft: draft,
    directory_id: input.directory_id ?? null,
    restricted_to_channels: input.restricted_to_channels ?? [],
    restricted_to_segments: input.restricted_to_segments ?? [],
    metadata: input.metadata ?? {},
    start_time: input.start_time ?? null,
    end_time: input.end_time ?? null,
    updated_at: now,
  };
  if (type !== r.type && b.typeChangeResetsDraft) {
    return { ...base, title: input.title, content: input.content, draft_title: null, draft_content: null, is_draft: true, current_version: null, published_at: null };
  }
  if (!draft) {
    const changed = r.is_draft || r.draft_title !== null || input.title !== r.title || input.content !== r.content;
    return {
      ...base, title: input.title, content: input.content, draft_title: null, draft_content: null,
      current_version: changed ? (r.current_version ?? 0) + 1 : r.current_version,
      published_at: changed ? now : r.published_at,
    };
  }
  if (r.current_version === null) return { ...base, title: input.title, content: input.content, draft_title: null, draft_content: null };
  // Editing a published training as a draft leaves the published text live until it is published.
  return { ...base, draft_title: input.title, draft_content: input.content };
}

export function setDraftRecord(r: TrainingRecord, draft: boolean, now: string): TrainingRecord {
  if (draft) return { ...r, is_draft: true, updated_at: now };
  if (!r.is_draft && r.draft_title === null && r.draft_content === null) return r;
  return {
    ...r,
    is_draft: false,
    title: r.draft_title ?? r.title,
    content: r.draft_content ?? r.content,
    draft_title: null,
    draft_content: null,
    current_version: (r.current_version ?? 0) + 1,
    published_at: now,
    updated_at: now,
  };
}

/** Postgres `stored @> filter` for jsonb: objects by key, arrays by element, scalars by value and type. */
export function jsonbContains(stored: unknown, filter: unknown): boolean {
  if (Array.isArray(filter)) {
    return Array.isArray(stored) && filter.every((f) => stored.some((s) => jsonbContains(s, f)));
  }
  if (isObject(filter)) {
    return isObject(stored) && Object.entries(filter).every(([k, v]) => Object.hasOwn(stored, k) && jsonbContains(stored[k], v));
  }
  return !Array.isArray(stored) && !isObject(stored) && stored === filter;
}
