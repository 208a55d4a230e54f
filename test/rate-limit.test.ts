// Short server rate windows and limits below --rate-limit: the client spreads its requests, every
// worker pauses after a 429, the rate halves and recovers, and no create fails for being throttled.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, type ApiOptions } from '../src/io/api.js';
import { OpencxRemote } from '../src/io/remote.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { KEY } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function client(url: string, over: Partial<ApiOptions> = {}) {
  // Few attempts and short backoffs: a throttled create must survive on the 429 handling alone.
  const api = new ApiClient({
    baseUrl: url, apiKey: KEY, rateLimit: 1200, concurrency: 4, timeoutMs: 5000, attempts: 3,
    retryBaseMs: 20, retryMaxMs: 200, userAgent: 'test', ...over,
  });
  closers.push(() => api.close());
  return api;
}
async function sandbox(opts: SandboxOptions): Promise<Sandbox> {
  const s = await startSandbox({ port: 0, apiKey: KEY, ...opts });
  closers.push(() => s.close());
  return s;
}

/** Forwards to `target`, dropping Retry-After: a limiter that says 429 and nothing more. */
async function withoutRetryAfter(target: string): Promise<string> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const up = httpRequest({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      delete headers['retry-after'];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => (server.close(() => r()), server.closeAllConnections())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const payload = (key: string) => ({
  title: `T ${key}`, content: 'C', type: 'SCENARIO_SPECIFIC' as const, is_draft: false, directory_id: null,
  restricted_to_channels: [], restricted_to_segments: [], metadata: { managed_by: 'opencx-sync', key },
});

/** Creates n trainings four at a time, as apply does; returns the failures. */
async function createMany(remote: OpencxRemote, n: number): Promise<unknown[]> {
  const limit = pLimit(4);
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => limit(() => remote.create(payload(`k${i}`)))));
  return results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
}

describe('short rate windows', () => {
  it('60 creates against a server allowing 20 requests per 2 s, with --rate-limit above it: none fails, every worker pauses', async () => {
    const s = await sandbox({ rateLimit: 20, rateWindowMs: 2000 });
    const api = client(s.url);
    expect(await createMany(new OpencxRemote(api), 60)).toEqual([]);
    expect(s.state.trainings.size).toBe(60);
    const reqs = s.state.requests;
    const throttled = reqs.filter((r) => r.status === 429);
    // The rate halves at the first 429, so they stay few.
    expect(throttled.length).toBeLessThanOrEqual(8);
    // After a 429 (Retry-After at least 1 s), nothing new arrives until the pause is over, bar requests already on their way.
    for (const t of throttled) {
      expect(reqs.filter((r) => r.at > t.at + 100 && r.at < t.at + 900)).toEqual([]);
    }
  });

  it('a --rate-limit within a short server window never draws a 429: requests are spread, not burst', async () => {
    const s = await sandbox({ rateLimit: 20, rateWindowMs: 1000 });
    const api = client(s.url, { rateLimit: 600 });
    expect(await createMany(new OpencxRemote(api), 30)).toEqual([]);
    expect(s.state.requests.filter((r) => r.status === 429)).toEqual([]);
  });

  it('30 creates against a server limit below --rate-limit that sends no Retry-After: none fails', async () => {
    const s = await sandbox({ rateLimit: 10, rateWindowMs: 1000 });
    const api = client(await withoutRetryAfter(s.url));
    expect(await createMany(new OpencxRemote(api), 30)).toEqual([]);
    expect(s.state.trainings.size).toBe(30);
    expect(api.stats.rateLimited).toBeGreaterThan(0);
  });

  it('a create still throttled after the patience runs out fails clearly, as not created', async () => {
    const s = await sandbox({ rateLimit: 1, rateWindowMs: 60_000 });
    const api = client(await withoutRetryAfter(s.url), { rateLimitPatienceMs: 300 });
    const remote = new OpencxRemote(api);
    await remote.create(payload('first'));
    const err = await remote.create(payload('second')).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, ambiguous: false });
    expect((err as Error).message).toMatch(/^POST \/training failed: 429 ThrottlerException: Too Many Requests \(still rate-limited after 0 s\)$/);
  });
});
