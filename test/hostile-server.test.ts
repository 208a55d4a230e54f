// The HTTP client against small misbehaving servers on loopback: slow and endless bodies, endless
// paging, absurd Retry-After, error pages that echo the key or carry escape sequences, redirects,
// and Ctrl-C during a wait. Each case is one that once hung the tool, leaked the key or garbled a terminal.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/errors.js';
import { ApiClient, type ApiOptions } from '../src/io/api.js';
import { OpencxRemote } from '../src/io/remote.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const KEY = 'sk_live_4f9A+b/Zq=Xy7Lm2Np8Qr0123456789';
let logs: string[] = [];

function client(url: string, over: Partial<ApiOptions> = {}) {
  logs = [];
  const api = new ApiClient({
    baseUrl: url, apiKey: KEY, rateLimit: 0, concurrency: 2, timeoutMs: 2000, attempts: 1,
    retryBaseMs: 5, retryMaxMs: 50, userAgent: 'test', log: (l) => logs.push(l), ...over,
  });
  closers.push(() => api.close());
  return api;
}

/** A real server on 127.0.0.1, port 0; `seen` counts the requests it received. */
async function hostile(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let n = 0;
  const server = createServer((req, res) => handler(req, res, ++n));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => n };
}

const GET = { method: 'GET', path: '/training' } as const;
const fail = (p: Promise<unknown>) => p.then(() => new Error('expected a failure'), (e: unknown) => e as Error);
const item = (id: string) => ({ id, title: `T${id}`, content: 'C', metadata: {} });

describe('bounded requests', () => {
  it('times out a body that drips one byte every 0.5 s (--timeout bounds the whole request)', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const t = setInterval(() => res.write(' '), 500);
      res.on('close', () => clearInterval(t));
    });
    const started = Date.now();
    const err = await fail(client(s.url, { timeoutMs: 1000 }).request(GET, 'safe'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('GET /training failed: timed out after 1000 ms (--timeout)');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('stops reading an endless body at the size cap', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    const api = client(s.url, { maxBodyBytes: 1024 * 1024 });
    const err = await fail(api.request(GET, 'safe'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('GET /training failed: the answer is larger than 1 MB: stopped reading it');
    // A create answered 2xx was made, whatever followed: the caller must look it up, not forget it.
    expect(await fail(api.request({ method: 'POST', path: '/training', body: {} }, 'unsafe'))).toMatchObject({ ambiguous: true });
  });

  it('refuses a Retry-After beyond the cap at once instead of sleeping for days', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(429, { 'retry-after': '999999', 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 429, message: 'Too Many Requests' }));
    });
    const started = Date.now();
    const err = await fail(client(s.url, { attempts: 5 }).request(GET, 'safe'));
    expect(err).toMatchObject({ status: 429, ambiguous: false });
    expect(err.message).toBe('GET /training failed: 429 the API asked to wait 999999 s (Retry-After), more than the 120 s this tool waits: try again later');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.seen()).toBe(1);
  });
});

describe('paging that never ends', () => {
  it('stops when a page brings no new ids although has_more stays true', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [item('1'), item('2')], has_more: true, total: 2 }));
    });
    const all = await new OpencxRemote(client(s.url)).list({});
    expect(all.map((t) => t.id)).toEqual(['1', '2']);
    expect(s.seen()).toBe(2);
  });

  it('keeps only what the metadata filter asked for when the server ignores it: never another namespace\'s training', async () => {
    const tagged = (id: string, metadata: Record<string, unknown>) => ({ ...item(id), metadata });
    const s = await hostile((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        items: [
          tagged('1', { managed_by: 'opencx-sync:billing', key: 'a' }),
          tagged('2', { managed_by: 'opencx-sync:product', key: 'a' }),
          tagged('3', { managed_by: 'opencx-sync', key: 'a' }),
          tagged('4', { managed_by: 'opencx-sync:billing', key: 'b' }),
          item('5'),
        ],
        has_more: false,
        total: 5,
      }));
    });
    const remote = new OpencxRemote(client(s.url), { namespace: 'billing' });
    expect((await remote.list({ managed_by: 'opencx-sync:billing' })).map((t) => t.id)).toEqual(['1', '4']);
    expect((await remote.findByKey('a')).map((t) => t.id)).toEqual(['1']);
  });

  it('fails when new ids keep coming beyond what total implies', async () => {
    const s = await hostile((req, res) => {
      const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: Array.from({ length: 100 }, (_, i) => item(String(offset + i))), has_more: true, total: 150 }));
    });
    const err = await fail(new OpencxRemote(client(s.url)).list({}));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('GET /training failed: the list went on for 4 pages although its total of 150 needs 2: stopped');
    expect(s.seen()).toBe(4);
  });
});

describe('server text', () => {
  it('never shows any part of the key from an HTML error page that echoes the request', async () => {
    const s = await hostile((req, res) => {
      res.writeHead(400, { 'content-type': 'text/html' });
      // The key straddles the 200th character, where the excerpt is cut.
      const pad = '<html><body><h1>400 Bad Request</h1><pre>'.padEnd(160, '.');
      res.end(`${pad}Authorization: ${req.headers.authorization}\nurl: /x?key=${encodeURIComponent(KEY)}</pre></body></html>`);
    });
    const err = await fail(client(s.url).request(GET, 'safe'));
    const shown = `${err.message}\n${logs.join('\n')}`;
    for (const form of [KEY, encodeURIComponent(KEY)]) expect(shown).not.toContain(form.slice(0, 8));
    expect(err.message).toContain('Authorization: Bearer ***');
  });

  it('strips escape sequences and control characters from API messages', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 400, message: ['\x1b]0;pwned\x07\x1b[2Jtitle "Refund\rpolicy" is too long', '\x1b[31mred\x1b[0m'] }));
    });
    const err = await fail(client(s.url).request(GET, 'safe'));
    expect(err.message).toBe('GET /training failed: 400 title "Refund policy" is too long; red');
  });

  it('names the read scope for a 403 on a read and the write scope for a 403 on a write', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 403, message: 'Forbidden resource' }));
    });
    const api = client(s.url);
    expect((await fail(api.request(GET, 'safe'))).message).toContain('lacks the training:read scope');
    expect((await fail(api.request({ method: 'PUT', path: '/training/1', body: {} }, 'safe'))).message).toContain('lacks the training:write scope');
  });

  it('names where a redirect points', async () => {
    const s = await hostile((_, res) => {
      res.writeHead(301, { location: 'https://api.open.cx/v2/training' });
      res.end();
    });
    const err = await fail(client(s.url).request(GET, 'safe'));
    expect(err.message).toBe('GET /training failed: 301 the API URL redirects to https://api.open.cx/v2/training: set --api-url (or OPENCX_API_URL) to the new address');
  });
});

describe('waits', () => {
  it('a first Ctrl-C interrupts the retry backoff', async () => {
    let first!: () => void;
    const arrived = new Promise<void>((r) => (first = r));
    const s = await hostile((_, res) => {
      first();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 503, message: 'Service Unavailable' }));
    });
    const stop = new AbortController();
    const pending = fail(client(s.url, { attempts: 5, retryBaseMs: 60_000, retryMaxMs: 60_000, signal: stop.signal }).request(GET, 'safe'));
    await arrived;
    const started = Date.now();
    stop.abort();
    const err = await pending;
    expect(err.message).toBe('GET /training failed: 503 Service Unavailable (interrupted before retrying)');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.seen()).toBe(1);
  });

  it('a first Ctrl-C interrupts a rate-limit pause, and the pause is announced', async () => {
    let first!: () => void;
    const arrived = new Promise<void>((r) => (first = r));
    const s = await hostile((_, res) => {
      res.writeHead(429, { 'retry-after': '60', 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 429, message: 'Too Many Requests' }));
    });
    const stop = new AbortController();
    const waits: { ms: number; reason: string }[] = [];
    const pending = fail(
      client(s.url, { signal: stop.signal, onWait: (w) => (waits.push(w), first()) }).request(GET, 'safe'),
    );
    await arrived;
    stop.abort();
    const err = await pending;
    expect(err).toMatchObject({ status: 429, ambiguous: false });
    expect(err.message).toBe('GET /training failed: 429 Too Many Requests (interrupted before retrying)');
    expect(waits[0]?.reason).toBe('rate limit');
    expect(waits[0]?.ms).toBeGreaterThan(55_000);
  });
});
