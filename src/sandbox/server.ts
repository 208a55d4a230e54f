// The sandbox: a real HTTP server on loopback that behaves like the documented Open.cx training API,
// strict where the docs are silent, with switches for the other readings (readings.ts), rate limits
// and injected faults.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import writeFileAtomic from 'write-file-atomic';
import { TRAINING_TYPES } from '../core/training.js';
import {
  createRecord,
  jsonbContains,
  setDraftRecord,
  STRICT,
  toApi,
  updateRecord,
  validateTrainingBody,
  withStoredFields,
  type Behaviour,
  type TrainingRecord,
} from './model.js';

export interface Named {
  id: string;
  name: string;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  /** A key with only the read scopes: writes with it get 403. */
  readOnlyKey?: string;
  /** A key with training:read and training:write but not segments:read: segment reads with it get 403. */
  trainingOnlyKey?: string;
  /** Requests allowed per window; 0 = unlimited. */
  rateLimit?: number;
  rateWindowMs?: number;
  dataFile?: string;
  directories?: Named[];
  segments?: Named[];
  latencyMs?: number;
  /** Answer every Nth request with 503 before doing anything. */
  failEvery?: number;
  /** Commit every Nth POST /training, then close the socket without answering. */
  dropEvery?: number;
  /** Asked as each request arrives: true commits it, then closes the socket without answering. */
  dropWhen?: (r: RequestRecord, count: number) => boolean;
  /** Status for an unknown directory_id (the docs allow 400 or 404). */
  unknownDirectoryStatus?: 400 | 404;
  /** Where the docs are silent; the strict reading unless set (see READINGS in readings.ts). */
  behaviour?: Partial<Behaviour>;
  /** Called as each request arrives; handling waits for a returned promise (tests act at exact moments). */
  onRequest?: (r: RequestRecord, count: number) => unknown;
  /** Called once a response has been handed to the socket (tests act after a write has landed). */
  onResponse?: (r: RequestRecord) => void;
}

export interface RequestRecord {
  /** Arrival time, ms since the epoch. */
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface SandboxState {
  trainings: Map<string, TrainingRecord>;
  requests: RequestRecord[];
}

export interface Sandbox {
  url: string;
  apiKey: string;
  state: SandboxState;
  close(): Promise<void>;
}

export const DEFAULT_DIRECTORIES: Named[] = [
  { id: 'dir-billing', name: 'Billing' },
  { id: 'dir-product', name: 'Product' },
];
export const DEFAULT_SEGMENTS: Named[] = [
  { id: '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34', name: 'VIP customers' },
  { id: '5d2e8f10-7a3b-4c9d-9e1f-2b4a6c8d0e12', name: 'Trial users' },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string | string[],
  ) {
    super(Array.isArray(messages) ? messages.join('; ') : messages);
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const apiKey = opts.apiKey ?? 'sandbox-key';
  const directories = opts.directories ?? DEFAULT_DIRECTORIES;
  const segments = opts.segments ?? DEFAULT_SEGMENTS;
  const behaviour: Behaviour = { ...STRICT, ...opts.behaviour };
  const windowMs = opts.rateWindowMs ?? 60_000;
  const state: SandboxState = { trainings: new Map(), requests: [] };
  let seq = 0;
  if (opts.dataFile) seq = load(opts.dataFile, state.trainings);
  const recent: number[] = [];
  let requestCount = 0;
  let postCount = 0;
  /** Answers to drop once the request is committed (dropWhen). */
  const dropping = new WeakSet<ServerResponse>();

  const save = () => {
    if (!opts.dataFile) return;
    const data = { seq, trainings: [...state.trainings.values()] };
    writeFileAtomic.sync(opts.dataFile, JSON.stringify(data, null, 2) + '\n');
  };

  const reply = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    if (dropping.has(res)) {
      res.socket?.destroy();
      return;
    }
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
  };
  const errorBody = (status: number, message: string | string[]) => ({ statusCode: status, message, error: STATUS_CODES[status] ?? 'Error' });

  const find = (id: string) => {
    const r = state.trainings.get(id);
    if (!r) throw new HttpError(404, `Training ${id} not found`);
    return r;
  };
  const checkRefs = (input: { directory_id?: string | null; restricted_to_segments?: string[] }) => {
    if (input.directory_id != null && !directories.some((d) => d.id === input.directory_id)) {
      const status = opts.unknownDirectoryStatus ?? 400;
      throw new HttpError(status, status === 404 ? `Directory ${input.directory_id} not found` : [`directory_id ${input.directory_id} does not exist`]);
    }
    const unknown = (input.restricted_to_segments ?? []).filter((s) => !segments.some((g) => g.id === s));
    if (unknown.length) throw new HttpError(400, unknown.map((s) => `restricted_to_segments: segment ${s} does not exist`));
  };
  const now = () => new Date().toISOString();

  async function route(req: IncomingMessage, url: URL, body: unknown, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const scopeWrite = method !== 'GET';
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const trainingOnly = key !== undefined && key === opts.trainingOnlyKey;
    if (key !== apiKey && !trainingOnly && (key === undefined || key !== opts.readOnlyKey)) throw new HttpError(401, 'Unauthorized');
    if (scopeWrite && key !== apiKey && !trainingOnly) throw new HttpError(403, 'Forbidden resource');
    if (trainingOnly && parts[0] === 'contacts') throw new HttpError(403, 'Forbidden resource');

    if (parts[0] === 'training') {
      const id = parts[1];
      if (parts.length === 1 && method === 'GET') return reply(res, 200, list(url.searchParams));
      if (parts.length === 1 && method === 'POST') {
        const input = validBody(body);
        checkRefs(input);
        const r = createRecord(randomUUID(), ++seq, input, now(), behaviour);
        state.trainings.set(r.id, r);
        save();
        if (opts.dropEvery && ++postCount % opts.dropEvery === 0) {
          req.socket.destroy(); // committed, but the client never hears: the ambiguous failure
          return;
        }
        return reply(res, behaviour.createStatus, toApi(r));
      }
      if (parts.length === 2 && id) {
        if (method === 'GET') return reply(res, 200, toApi(find(id)));
        if (method === 'PUT') {
          const r = find(id);
          let input = validBody(body);
          if (behaviour.putMetadata === 'reject' && input.metadata !== undefined) throw new HttpError(400, ['property metadata should not exist']);
          if (behaviour.putMetadata !== 'accept') input = { ...input, metadata: r.metadata };
          if (behaviour.putOmitted === 'keep') input = withStoredFields(r, input);
          checkRefs(input);
          const next = updateRecord(r, input, now(), behaviour);
          state.trainings.set(id, next);
          save();
          return reply(res, 200, toApi(next));
        }
        if (method === 'DELETE') {
          const r = find(id);
          state.trainings.delete(id);
          save();
          return behaviour.deleteStatus === 200 ? reply(res, 200, toApi(r)) : reply(res, 204);
        }
      }
      if (parts.length === 3 && id && parts[2] === 'draft' && method === 'PUT') {
        const r = find(id);
        if (behaviour.draftEndpoint === 'toggle') {
          // A blind toggle: whatever the body says, the state flips.
          const flipped = setDraftRecord(r, !r.is_draft, now());
          state.trainings.set(id, flipped);
          save();
          return reply(res, 200, toApi(flipped));
        }
        const b = body as { is_draft?: unknown } | undefined;
        const extra = Object.keys(b ?? {}).filter((k) => k !== 'is_draft');
        if (typeof b?.is_draft !== 'boolean' || extra.length) {
          throw new HttpError(400, [...extra.map((k) => `property ${k} should not exist`), ...(typeof b?.is_draft === 'boolean' ? [] : ['is_draft must be a boolean value'])]);
        }
        const next = setDraftRecord(r, b.is_draft, now());
        state.trainings.set(id, next);
        save();
        return reply(res, 200, toApi(next));
      }
    }
    if (parts[0] === 'contacts' && parts[1] === 'segments' && method === 'GET') {
      if (parts.length === 2) {
        const unknown = [...url.searchParams.keys()].filter((k) => k !== 'page' && k !== 'limit');
        if (unknown.length) throw new HttpError(400, unknown.map((k) => `property ${k} should not exist`));
        const page = intParam(url.searchParams, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
        const limit = intParam(url.searchParams, 'limit', 20, 1, 100);
        const items = segments.slice((page - 1) * limit, page * limit).map(segmentObject);
        return reply(res, 200, { data: items, page, limit, total: segments.length });
      }
      if (parts.length === 3 && parts[2]) {
        if (!UUID.test(parts[2])) throw new HttpError(400, 'Validation failed (uuid is expected)');
        const s = segments.find((g) => g.id === parts[2]);
        if (!s) throw new HttpError(404, `Segment ${parts[2]} not found`);
        return reply(res, 200, segmentObject(s));
      }
    }
    throw new HttpError(404, `Cannot ${method} ${url.pathname}`);
  }

  function validBody(body: unknown) {
    const v = validateTrainingBody(body);
    if ('messages' in v) throw new HttpError(400, v.messages);
    return v.input;
  }

  function list(q: URLSearchParams) {
    const allowed = ['limit', 'offset', 'type', 'is_draft', 'sort_by', 'metadata', 'search'];
    const unknown = [...q.keys()].filter((k) => !allowed.includes(k));
    if (unknown.length) throw new HttpError(400, unknown.map((k) => `property ${k} should not exist`));
    const limit = intParam(q, 'limit', 50, 1, 100);
    const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const type = q.get('type');
    if (type !== null && !TRAINING_TYPES.includes(type as never)) throw new HttpError(400, [`type must be one of the following values: ${TRAINING_TYPES.join(', ')}`]);
    const isDraft = q.get('is_draft');
    if (isDraft !== null && isDraft !== 'true' && isDraft !== 'false') throw new HttpError(400, ['is_draft must be one of the following values: true, false']);
    const sortBy = q.get('sort_by') ?? 'created_at';
    if (sortBy !== 'created_at' && sortBy !== 'handoff_count') throw new HttpError(400, ['sort_by must be one of the following values: created_at, handoff_count']);
    let filter: unknown;
    const raw = q.get('metadata');
    if (raw !== null) {
      try {
        filter = JSON.parse(raw);
      } catch {
        throw new HttpError(400, ['metadata must be a JSON object']);
      }
      if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new HttpError(400, ['metadata must be a JSON object']);
    }
    const search = q.get('search')?.toLowerCase();
    // Newest first by default: the harder case for a client paging while others create.
    const order = behaviour.listOrder === 'oldest' ? -1 : 1;
    const all = [...state.trainings.values()]
      .filter((r) => (type === null || r.type === type) && (isDraft === null || String(r.is_draft) === isDraft))
      .filter((r) => filter === undefined || jsonbContains(r.metadata, filter))
      .filter((r) => !search || `${r.draft_title ?? r.title}\n${r.draft_content ?? r.content}`.toLowerCase().includes(search))
      .sort((a, b) => order * (b.created_at.localeCompare(a.created_at) || b.seq - a.seq));
    const items = all.slice(offset, offset + limit).map(toApi);
    return { items, total: all.length, limit, offset, has_more: offset + items.length < all.length };
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const record: RequestRecord = { at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0 };
    state.requests.push(record);
    const count = state.requests.length;
    if (opts.dropWhen?.(record, count)) dropping.add(res);
    await opts.onRequest?.(record, count);
    res.on('finish', () => {
      record.status = res.statusCode;
      opts.onResponse?.(record);
    });
    res.on('close', () => (record.status ||= -1));
    try {
      const body = await readBody(req);
      if (opts.latencyMs) await delay(opts.latencyMs);
      if (opts.rateLimit) {
        const t = Date.now();
        while (recent.length && (recent[0] as number) <= t - windowMs) recent.shift();
        if (recent.length >= opts.rateLimit) {
          const retry = Math.max(1, Math.ceil(((recent[0] as number) + windowMs - t) / 1000));
          return reply(res, 429, errorBody(429, 'ThrottlerException: Too Many Requests'), { 'retry-after': String(retry) });
        }
        recent.push(t);
        if (behaviour.rateLimitHeaders) {
          res.setHeader('x-ratelimit-limit', String(opts.rateLimit));
          res.setHeader('x-ratelimit-remaining', String(opts.rateLimit - recent.length));
        }
      }
      requestCount++;
      if (opts.failEvery && requestCount % opts.failEvery === 0) return reply(res, 503, errorBody(503, 'Service Unavailable'));
      await route(req, url, body, res);
    } catch (err) {
      if (err instanceof HttpError) return reply(res, err.status, errorBody(err.status, err.messages));
      return reply(res, 500, errorBody(500, 'Internal server error'));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    apiKey,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request entity too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(400, 'Content-Type must be application/json');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `${(err as Error).message}: the body is not valid JSON`);
  }
}

function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return def;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, [`${name} must be an integer number`]);
  if (n < min) throw new HttpError(400, [`${name} must not be less than ${min}`]);
  if (n > max) throw new HttpError(400, [`${name} must not be greater than ${max}`]);
  return n;
}

function segmentObject(s: Named) {
  return { id: s.id, name: s.name, description: null, definition: { or: [{ and: [{ type: 'attribute' }] }] }, created_at: null, updated_at: null };
}

function load(file: string, into: Map<string, TrainingRecord>): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const data = JSON.parse(text) as { seq: number; trainings: TrainingRecord[] };
  for (const r of data.trainings) into.set(r.id, r);
  return data.seq;
}
