// Open.cx trainings behind a small domain interface. Responses are parsed leniently (the docs drift
// between versions): unknown fields ignored, missing ones defaulted, a bare-array list accepted.
import { z } from 'zod';
import {
  CHANNELS,
  MANAGED_BY,
  TRAINING_TYPES,
  type RemoteTraining,
  type TrainingPayload,
} from '../core/training.js';
import { ApiError } from '../errors.js';
import type { ApiClient } from './api.js';

export interface Remote {
  /** Every training whose metadata contains `filter`, all pages, de-duplicated by id. */
  list(filter: Record<string, unknown>): Promise<RemoteTraining[]>;
  /** Managed trainings carrying this key. More than one means something made a copy. */
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
  type: z.enum(TRAINING_TYPES).nullish(),
  is_draft: z.boolean().nullish(),
  directory_id: z.string().nullish(),
  restricted_to_channels: z.array(z.enum(CHANNELS)).nullish(),
  restricted_to_segments: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  updated_at: z.string().nullish(),
});

const listSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ items: z.array(z.unknown()), has_more: z.boolean().optional(), total: z.number().optional() }),
]);

/** `ambiguous`: the request that got this answer may have changed something (a create). */
function toTraining(raw: unknown, where: string, ambiguous = false): RemoteTraining {
  const r = trainingSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ApiError('GET', where, null, `unexpected training in the response (${i?.path.join('.')}: ${i?.message})`, ambiguous);
  }
  const t = r.data;
  return {
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
    ...(t.updated_at ? { updated_at: t.updated_at } : {}),
  };
}

const PAGE = 100;

export class OpencxRemote implements Remote {
  constructor(private readonly api: ApiClient) {}

  async list(filter: Record<string, unknown>): Promise<RemoteTraining[]> {
    const seen = new Map<string, RemoteTraining>();
    for (let offset = 0; ; ) {
      const { body } = await this.api.request(
        { method: 'GET', path: '/training', query: { limit: PAGE, offset, metadata: JSON.stringify(filter) } },
        'safe',
      );
      const page = listSchema.safeParse(body);
      if (!page.success) throw new ApiError('GET', '/training', null, 'unexpected list response', false);
      const items = Array.isArray(page.data) ? page.data : page.data.items;
      // Offset paging shifts when rows come and go during the walk: keep the first copy of each id.
      for (const raw of items) {
        const t = toTraining(raw, '/training');
        if (!seen.has(t.id)) seen.set(t.id, t);
      }
      const more = Array.isArray(page.data) ? false : (page.data.has_more ?? items.length === PAGE);
      if (!more || items.length === 0) break;
      offset += items.length;
    }
    return [...seen.values()];
  }

  async findByKey(key: string): Promise<RemoteTraining[]> {
    return this.list({ managed_by: MANAGED_BY, key });
  }

  async get(id: string): Promise<RemoteTraining | undefined> {
    const path = `/training/${encodeURIComponent(id)}`;
    try {
      const { body } = await this.api.request({ method: 'GET', path }, 'safe');
      return toTraining(body, path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async create(payload: TrainingPayload): Promise<RemoteTraining> {
    const { body } = await this.api.request({ method: 'POST', path: '/training', body: payload }, 'unsafe');
    return toTraining(body, '/training', true);
  }

  async update(id: string, payload: TrainingPayload): Promise<RemoteTraining> {
    const path = `/training/${encodeURIComponent(id)}`;
    const { body } = await this.api.request({ method: 'PUT', path, body: payload }, 'safe');
    return toTraining(body, path);
  }

  async setDraft(id: string, isDraft: boolean): Promise<RemoteTraining> {
    const path = `/training/${encodeURIComponent(id)}/draft`;
    const { body } = await this.api.request({ method: 'PUT', path, body: { is_draft: isDraft } }, 'safe');
    // The toggle's response schema is undocumented: re-read when it is not a training.
    return trainingSchema.safeParse(body).success ? toTraining(body, path) : ((await this.get(id)) ?? toTraining(body, path));
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
