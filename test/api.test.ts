// The HTTP client and the remote adapter against real servers on loopback: retries, pacing after 429,
// ambiguity of a failed create, lenient parsing of older response shapes, and no key in any log line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/errors.js';
import { ApiClient, type ApiOptions } from '../src/io/api.js';
import { OpencxRemote } from '../src/io/remote.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { KEY } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const logs: string[] = [];
function client(url: string, over: Partial<ApiOptions> = {}) {
  const api = new ApiClient({
    baseUrl: url, apiKey: KEY, rateLimit: 0, concurrency: 2, timeoutMs: 2000, attempts: 4,
    retryBaseMs: 5, retryMaxMs: 50, userAgent: 'test', log: (l) => logs.push(l), ...over,
  });
  closers.push(() => api.close());
  return api;
}
async function sandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, ...opts });
  closers.push(() => s.close());
  return s;
}
const payload = {
  title: 'T', content: 'C', type: 'SCENARIO_SPECIFIC' as const, is_draft: false, directory_id: null,
  restricted_to_channels: [], restricted_to_segments: [], metadata: { managed_by: 'opencx-sync', key: 'k' },
};

describe('ApiClient', () => {
  it('retries a GET after a 503 and gives up on a 400 at once', async () => {
    const s = await sandbox({ failEvery: 2 });
    const api = client(s.url);
    await api.request({ method: 'GET', path: '/training' }, 'safe');
    await api.request({ method: 'GET', path: '/training' }, 'safe');
    expect(api.stats).toMatchObject({ requests: 3, retries: 1 });
    const plain = client((await sandbox()).url);
    const bad = await plain.request({ method: 'GET', path: '/training', query: { limit: 500 } }, 'safe').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({ status: 400, ambiguous: false, message: 'GET /training failed: 400 limit must not be greater than 100' });
    expect(plain.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it('never repeats a POST blindly: a 503 after sending is ambiguous', async () => {
    const s = await sandbox({ failEvery: 1 });
    const err = await new OpencxRemote(client(s.url)).create(payload).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, ambiguous: true });
    expect(s.state.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('waits out Retry-After on 429, for every worker, then succeeds', async () => {
    const s = await sandbox({ rateLimit: 3, rateWindowMs: 1000 });
    const api = client(s.url);
    const results = await Promise.all(Array.from({ length: 6 }, () => api.request({ method: 'GET', path: '/training' }, 'safe')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(api.stats.rateLimited).toBeGreaterThan(0);
    const ok = s.state.requests.filter((r) => r.status === 200).map((r) => r.at);
    // Never more than 3 answered within any second.
    for (let i = 3; i < ok.length; i++) expect((ok[i] as number) - (ok[i - 3] as number)).toBeGreaterThanOrEqual(1000 - 5);
  });

  it('paces itself under the limit so the server never says 429', async () => {
    const s = await sandbox({ rateLimit: 4, rateWindowMs: 60_000 });
    const stop = new AbortController();
    const api = client(s.url, { rateLimit: 4, signal: stop.signal });
    await api.request({ method: 'GET', path: '/training' }, 'safe');
    // Evenly spread: the second waits a quarter of the minute in the client's limiter, not sent.
    const second = api.request({ method: 'GET', path: '/training' }, 'safe').catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    expect(api.stats.requests).toBe(1);
    expect(s.state.requests).toHaveLength(1);
    stop.abort();
    expect(await second).toMatchObject({ message: 'GET /training failed: interrupted before it was sent' });
    expect(api.stats.rateLimited).toBe(0);
  });

  it('spreads requests evenly instead of bursting the window', async () => {
    const s = await sandbox();
    const api = client(s.url, { rateLimit: 600, concurrency: 4 });
    const start = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => api.request({ method: 'GET', path: '/training' }, 'safe')));
    const at = s.state.requests.map((r) => r.at).sort((a, b) => a - b);
    // 600 a minute is one per 100 ms (plus a 1% margin): request i arrives no sooner than i slots after
    // the start; allow the timer a few ms of slack. (Measured from the start, not between arrivals: on a
    // busy machine one arrival may be late, and the next one then comes on its own slot, close after it.)
    for (let i = 1; i < at.length; i++) expect((at[i] as number) - start).toBeGreaterThanOrEqual(i * 100 - 10);
  });

  it('keeps the key out of every log line and error', async () => {
    const s = await sandbox();
    const api = client(s.url, { apiKey: 'wrong-key-0123' });
    const err = (await api.request({ method: 'GET', path: '/training' }, 'safe').catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('GET /training failed: 401 Unauthorized (the API key is missing or wrong: set OPENCX_API_KEY)');
    expect(logs.join('\n')).not.toContain('wrong-key-0123');
    expect(logs.join('\n')).not.toContain(KEY);
  });

  it('keeps the key out of an error whose message splits it with control characters', async () => {
    // Found by hostile testing: pieces under 8 characters, joined by NULs, escaped redaction, then
    // stripping the control characters joined them into the whole key (apply prints this message).
    const split = (KEY.match(/.{1,5}/g) ?? []).join('\u0000');
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 400, message: `bad key ${split}` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const api = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const err = (await api.request({ method: 'GET', path: '/training' }, 'safe').catch((e: unknown) => e)) as ApiError;
    expect(err.apiMessage).toBe('bad key ***');
    expect(err.message).not.toContain(KEY.slice(0, 8));
  });
});

describe('OpencxRemote parses older and partial shapes', () => {
  it('accepts a bare-array list, question/answer fields and missing type, draft and metadata', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const old = { id: 7, question: 'Old question', answer: 'Old answer', restricted_to_channels: ['web'], extra: true };
      res.end(JSON.stringify(req.url?.startsWith('/training?') ? [old, old] : old));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const remote = new OpencxRemote(client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    const expected = {
      id: '7', title: 'Old question', content: 'Old answer', draft_title: null, draft_content: null, type: 'SCENARIO_SPECIFIC',
      is_draft: false, directory_id: null, restricted_to_channels: ['web'], restricted_to_segments: [], metadata: {},
      start_time: null, end_time: null,
    };
    expect(await remote.list({})).toEqual([expected]);
    expect(await remote.get('7')).toEqual(expected);
  });

  it('walks every page and de-duplicates by id', async () => {
    const s = await sandbox();
    const remote = new OpencxRemote(client(s.url));
    for (let i = 0; i < 205; i++) await remote.create({ ...payload, metadata: { managed_by: 'opencx-sync', key: `k${i}` } });
    const all = await remote.list({ managed_by: 'opencx-sync' });
    expect(new Set(all.map((t) => t.id)).size).toBe(205);
    expect(s.state.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    expect((await remote.findByKey('k42')).map((t) => t.metadata.key)).toEqual(['k42']);
  });

  it('finds the trainings of a key oldest first, so a dashboard copy is never taken for the original (found by the model test)', async () => {
    const s = await sandbox();
    const remote = new OpencxRemote(client(s.url));
    const original = await remote.create(payload);
    const copy = await remote.create(payload);
    // The copy was made later; the API lists newest first.
    const record = s.state.trainings.get(copy.id);
    if (!record) throw new Error('no copy');
    s.state.trainings.set(copy.id, { ...record, created_at: new Date(Date.now() + 60_000).toISOString() });
    expect((await remote.findByKey('k')).map((t) => t.id)).toEqual([original.id, copy.id]);
  });
});
