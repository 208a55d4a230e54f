// Open.cx trainings behind a small domain interface. Responses are parsed leniently (the docs drift
// between versions): unknown fields ignored, missing ones defaulted, a bare-array list accepted, and a
// type or channel this version does not know kept as it is (with a warning), never a reason to stop.
import { z } from 'zod';
import {
  byCreation,
  CHANNELS,
  keyOfRemote,
  TRAINING_TYPES,
  type RemoteTraining,
  type TrainingPayload,
} from '../core/training.js';
import { namespaceOfTag, tagOf } from '../core/namespace.js';
import { ApiError, cleanText, redact } from '../errors.js';
import type { ApiClient } from './api.js';

export interface Remote {
  /** Every training whose metadata contains `filter`, all pages, de-duplicated by id. */
  list(filter: Record<string, unknown>): Promise<RemoteTraining[]>;
  /** Managed trainings of this namespace carrying this key. More than one means something made a copy. */
  findByKey(key: string): Promise<RemoteTraining[]>;
  get(id: string): Promise<RemoteTraining | undefined>;
  create(payload: TrainingPayload): Promise<RemoteTraining>;
  update(id: string, payload: TrainingPayload): Promise<RemoteTraining>;
  setDraft(id: string, isDraft: boolean): Promise<RemoteTraining>;
  /** Resolves when the training is gone, whether or not it existed. */
  delete(id: string): Promise<void>;
}

const trainingSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string().nullish(),
  question: z.string().nullish(),
  content: z.string().nullish(),
  answer: z.string().nullish(),
  draft_title: z.string().nullish(),
  draft_content: z.string().nullish(),
  type: z.string().nullish(),
  is_draft: z.boolean().nullish(),
  directory_id: z.string().nullish(),
  restricted_to_channels: z.array(z.string()).nullish(),
  restricted_to_segments: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  // Newest docs only, meaning undocumented: a value of another type is read as no bound, never a failure.
  start_time: z.string().nullish().catch(null),
  end_time: z.string().nullish().catch(null),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

const listSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ items: z.array(z.unknown()), has_more: z.boolean().optional(), total: z.number().optional() }),
]);

/** A training from any answer, read as leniently as everywhere else (doctor reads raw answers). */
export function parseTraining(raw: unknown, where: string): RemoteTraining {
  return toTraining(raw, where);
}

/** `ambiguous`: the request that got this answer may have changed something (a create). */
function toTraining(raw: unknown, where: string, ambiguous = false, warn?: (line: string) => void, secret?: string): RemoteTraining {
  const r = trainingSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ApiError('GET', where, null, `unexpected training in the response (${i?.path.join('.')}: ${i?.message})`, ambiguous);
  }
  const t = r.data;
  const training: RemoteTraining = {
    id: t.id,
    title: t.title ?? t.question ?? '',
    content: t.content ?? t.answer ?? '',
    draft_title: t.draft_title ?? null,
    draft_content: t.draft_content ?? null,
    type: t.type ?? 'SCENARIO_SPECIFIC',
    is_draft: t.is_draft ?? false,
    directory_id: t.directory_id ?? null,
    restricted_to_channels: t.restricted_to_channels ?? [],
    restricted_to_segments: t.restricted_to_segments ?? [],
    metadata: t.metadata ?? {},
    start_time: t.start_time ?? null,
    end_time: t.end_time ?? null,
    ...(t.created_at ? { created_at: t.created_at } : {}),
    ...(t.updated_at ? { updated_at: t.updated_at } : {}),
  };
  if (warn) {
    const unknown = unknownValues(training, secret);
    if (unknown) warn(`training ${describe(training, secret)} has ${unknown} unknown to this version of opencx-sync: kept as it is (a plan shows it as an edit made in Open.cx)`);
  }
  return training;
}

/** "type X, channel(s) a, b" for values this version does not know, or undefined. */
function unknownValues(t: RemoteTraining, secret?: string): string | undefined {
  const parts: string[] = [];
  if (!(TRAINING_TYPES as readonly string[]).includes(t.type)) parts.push(`type "${shown(t.type, secret)}"`);
  const channels = t.restricted_to_channels.filter((c) => !(CHANNELS as readonly string[]).includes(c));
  if (channels.length) parts.push(`channel ${channels.map((c) => `"${shown(c, secret)}"`).join(', ')}`);
  return parts.length ? parts.join(' and ') : undefined;
}

function describe(t: RemoteTraining, secret?: string): string {
  // Named by its key when opencx-sync tagged it, in whichever namespace.
  const key = keyOfRemote(t, namespaceOfTag(t.metadata.managed_by) ?? '');
  return key === undefined ? `id ${shown(t.id, secret)}` : `"${shown(key, secret)}" (id ${shown(t.id, secret)})`;
}

/** Server text in a message: printable and short; the key hidden before the cut, so no piece of it survives it. */
function shown(s: string, secret?: string): string {
  const clean = cleanText(s, secret);
  return clean.length > 80 ? `${clean.slice(0, 80)}...` : clean;
}

const PAGE = 100;
/** Sends of one draft-state change before giving up. */
const DRAFT_ATTEMPTS = 5;
/** Pages beyond what the list's `total` needs before the walk is called endless (rows come and go meanwhile). */
const EXTRA_PAGES = 2;
/** A list without a `total` stops here: a million trainings. */
const MAX_PAGES = 10_000;

export interface RemoteOptions {
  /** A training read with a value this version does not know; said once per training. */
  warn?: (line: string) => void;
  /** The namespace whose trainings `findByKey` finds ('' = the default one). */
  namespace?: string;
  /** The API key, hidden from every warning: a warning names trainings by what the server sent. */
  secret?: string | undefined;
}

/** A validation error (400 or 422) that names `metadata`: this API does not take it on PUT. */
const refusesMetadata = (err: unknown) => err instanceof ApiError && (err.status === 400 || err.status === 422) && /\bmetadata\b/i.test(err.apiMessage);

export class OpencxRemote implements Remote {
  private readonly warned = new Set<string>();
  /** Set once a PUT with `metadata` was refused: later PUTs leave it out. */
  private putRefusesMetadata = false;

  constructor(
    private readonly api: ApiClient,
    private readonly opts: RemoteOptions = {},
  ) {}

  private readonly warn = (line: string) => {
    if (this.warned.has(line)) return;
    this.warned.add(line);
    this.opts.warn?.(redact(line, this.opts.secret));
  };

  private parse(raw: unknown, where: string, ambiguous = false): RemoteTraining {
    return toTraining(raw, where, ambiguous, this.warn, this.opts.secret);
  }

  async list(filter: Record<string, unknown>): Promise<RemoteTraining[]> {
    const seen = new Map<string, RemoteTraining>();
    const stop = (why: string) => new ApiError('GET', '/training', null, `${why}: stopped`, false);
    for (let offset = 0, pages = 1; ; pages++) {
      const { body } = await this.api.request(
        { method: 'GET', path: '/training', query: { limit: PAGE, offset, metadata: JSON.stringify(filter) } },
        'safe',
      );
      const page = listSchema.safeParse(body);
      if (!page.success) throw new ApiError('GET', '/training', null, 'unexpected list response', false);
      const items = Array.isArray(page.data) ? page.data : page.data.items;
      const total = Array.isArray(page.data) ? undefined : page.data.total;
      // Offset paging shifts when rows come and go during the walk: keep the first copy of each id.
      let fresh = 0;
      for (const raw of items) {
        const t = this.parse(raw, '/training');
        if (!seen.has(t.id)) {
          seen.set(t.id, t);
          fresh++;
        }
      }
      const more = Array.isArray(page.data) ? false : (page.data.has_more ?? items.length === PAGE);
      if (!more || items.length === 0) break;
      // A has_more that never turns false: a page with nothing new ends the walk, complete or not.
      if (fresh === 0) {
        if (total !== undefined && seen.size < total) throw stop(`the list repeated itself after ${seen.size} of its total of ${total} trainings`);
        break;
      }
      const needed = total === undefined ? undefined : Math.ceil(total / PAGE);
      if (needed !== undefined && pages >= needed + EXTRA_PAGES + Math.floor(needed / 10)) {
        throw stop(`the list went on for ${pages} pages although its total of ${total} needs ${needed}`);
      }
      if (pages >= MAX_PAGES) throw stop(`the list went on for ${pages} pages`);
      offset += items.length;
    }
    // Only what the filter asked for, even from a server that ignored it: another namespace's (or nobody's)
    // training is never taken for one of ours. The walk above pages over what the server sent.
    return [...seen.values()].filter((t) => Object.entries(filter).every(([k, v]) => Object.hasOwn(t.metadata, k) && t.metadata[k] === v));
  }

  async findByKey(key: string): Promise<RemoteTraining[]> {
    // Oldest first: the original, then any copies (the API lists newest first).
    return (await this.list({ managed_by: tagOf(this.opts.namespace ?? ''), key })).sort(byCreation);
  }

  async get(id: string): Promise<RemoteTraining | undefined> {
    const path = `/training/${encodeURIComponent(id)}`;
    try {
      const { body } = await this.api.request({ method: 'GET', path }, 'safe');
      return this.parse(body, path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async create(payload: TrainingPayload): Promise<RemoteTraining> {
    const { body } = await this.api.request({ method: 'POST', path: '/training', body: payload }, 'unsafe');
    return this.parse(body, '/training', true);
  }

  async update(id: string, payload: TrainingPayload): Promise<RemoteTraining> {
    const path = `/training/${encodeURIComponent(id)}`;
    const { metadata: _metadata, ...withoutMetadata } = payload;
    const put = (body: unknown) => this.api.request({ method: 'PUT', path, body }, 'safe');
    if (this.putRefusesMetadata) return this.parse((await put(withoutMetadata)).body, path);
    try {
      return this.parse((await put(payload)).body, path);
    } catch (err) {
      if (!refusesMetadata(err)) throw err;
      // The docs never say PUT takes metadata. Without it the fields still land; only the tag cannot change.
      this.putRefusesMetadata = true;
      this.warn(`Open.cx refuses metadata on PUT /training/{id} (${(err as ApiError).apiMessage}): updates are sent without it, so a rename cannot re-tag a training (it keeps its old key, tracked by id in the state file)`);
      return this.parse((await put(withoutMetadata)).body, path);
    }
  }

  /**
   * Sends the target state, never blindly twice: if the endpoint toggles whatever the body says (the
   * docs leave it open), a repeated request would undo the first. A lost answer or one that shows the
   * other state is checked with a GET, and the request is sent again only when the state is still wrong.
   */
  async setDraft(id: string, isDraft: boolean): Promise<RemoteTraining> {
    const path = `/training/${encodeURIComponent(id)}/draft`;
    for (let attempt = 1; ; attempt++) {
      let answer: RemoteTraining | undefined;
      try {
        const { body } = await this.api.request({ method: 'PUT', path, body: { is_draft: isDraft } }, 'unsafe');
        // The toggle's response schema is undocumented: re-read when it is not a training.
        answer = trainingSchema.safeParse(body).success ? this.parse(body, path) : undefined;
      } catch (err) {
        if (!(err instanceof ApiError && err.ambiguous) || attempt >= DRAFT_ATTEMPTS) throw err;
      }
      if (answer?.is_draft === isDraft) return answer;
      const now = await this.get(id);
      if (!now) throw new ApiError('PUT', path, 404, `training ${shown(id, this.opts.secret)} is gone`, false);
      if (now.is_draft === isDraft) return now;
      if (answer) this.warn(`PUT ${path} answered with the other draft state: this Open.cx seems to toggle the draft state whatever the body says; opencx-sync checks the state after each toggle`);
      if (attempt >= DRAFT_ATTEMPTS) throw new ApiError('PUT', path, null, `the training is still ${isDraft ? 'published' : 'a draft'} after ${attempt} attempts`, false);
    }
  }

  async delete(id: string): Promise<void> {
    const path = `/training/${encodeURIComponent(id)}`;
    try {
      await this.api.request({ method: 'DELETE', path }, 'safe');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return;
      throw err;
    }
  }
}
