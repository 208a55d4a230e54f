// The one HTTP module: keep-alive connections, even pacing under the rate limit, retries with backoff,
// and errors turned into ApiError. Everything from the network is bounded: time per request (body
// included), body size, Retry-After. It never logs headers, and scrubs the key and control
// characters from anything it reports.
import { setTimeout as delay } from 'node:timers/promises';
import { Pool, type Dispatcher } from 'undici';
import { ApiError, cleanText } from '../errors.js';
import { Pacer } from './pacer.js';

export type WaitReason = 'rate limit' | 'retry';

export interface ApiOptions {
  baseUrl: string;
  apiKey: string;
  /** Requests per minute; 0 = no pacing until the server answers 429. */
  rateLimit: number;
  /** Open connections, and so requests in flight. */
  concurrency: number;
  /** Bounds each attempt as a whole, from sending to the last byte of the answer. */
  timeoutMs: number;
  /** Attempts for a request that may be retried, the first included. 429s do not count. */
  attempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  userAgent: string;
  /** Largest answer read, in bytes (default 32 MB). */
  maxBodyBytes?: number;
  /** Longest Retry-After honoured (default 120 s); a longer one fails the request. */
  maxRetryAfterMs?: number;
  /** How long one request may go on being answered 429 before it fails (default 15 min). */
  rateLimitPatienceMs?: number;
  /** Ctrl-C: interrupts every wait (backoff, rate-limit pause); a request already sent completes. */
  signal?: AbortSignal;
  /** Told when a wait of a few seconds begins, and every few seconds while it lasts. */
  onWait?: (w: { ms: number; reason: WaitReason }) => void;
  log?: (line: string) => void;
  /** Told of every answer (or its loss: status null), with its headers; for `doctor`'s report. */
  onAnswer?: (a: Answer) => void;
}

export interface Answer {
  method: string;
  path: string;
  status: number | null;
  headers: Record<string, string>;
}

export interface ApiStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

/** safe: GET, PUT, DELETE may be repeated. unsafe: POST is retried only when the server surely did nothing. */
export type RetryMode = 'safe' | 'unsafe';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

const MINUTE = 60_000;
// A window a little wider than the server's minute, so latency jitter never pushes a request into it.
const CAP_WINDOW_MS = MINUTE * 1.01;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_RETRY_AFTER_MS = 120_000;
const RATE_LIMIT_PATIENCE_MS = 15 * 60_000;
/** Waits at least this long are announced, again every NOTICE_EVERY_MS. */
const NOTICE_MIN_MS = 2_000;
const NOTICE_EVERY_MS = 5_000;
/** Server text shown in an error: enough to recognise it, short enough for one line. */
const EXCERPT = 200;

/** Errors raised before a request left this process: safe to repeat whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

interface Failure {
  message: string;
  /** The server may have acted on it. */
  sent: boolean;
  /** Worth another attempt. */
  retryable: boolean;
  /** Acted on for sure (a 2xx we could not read): a create must be looked up, never forgotten. */
  done?: boolean;
  retryAfterMs?: number;
}

export class ApiClient {
  readonly stats: ApiStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly pacer: Pacer;
  private pausedUntil = 0;
  /** 429s in a row across all workers: the pause without Retry-After doubles with each. */
  private throttledInARow = 0;
  private lastNotice = 0;

  constructor(private readonly opts: ApiOptions) {
    const url = new URL(opts.baseUrl);
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: opts.concurrency,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.pacer = new Pacer(opts.rateLimit, MINUTE, CAP_WINDOW_MS);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Returns the parsed JSON body of a 2xx answer (undefined when empty); throws ApiError otherwise. */
  async request(req: ApiRequest, mode: RetryMode): Promise<{ status: number; body: unknown }> {
    const path = this.prefix + req.path + queryString(req.query);
    let throttledSince: number | undefined;
    const fail = (status: number | null, message: string, f?: Failure) =>
      new ApiError(req.method, req.path, status, message, Boolean(f && (f.done || (f.retryable && f.sent)) && mode === 'unsafe'));
    for (let attempt = 1; ; ) {
      if (!(await this.waitForTurn())) throw fail(null, 'interrupted before it was sent');
      this.stats.requests++;
      const sentAt = Date.now();
      const { status, okText, failure } = await this.send(req, path);
      if (failure === undefined) {
        this.throttledInARow = 0;
        this.pacer.speedUp();
        return { status: status as number, body: parseBody(okText, req, mode) };
      }

      const cap = this.opts.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > cap) {
        const asked = Math.ceil(failure.retryAfterMs / 1000);
        throw fail(status, `the API asked to wait ${asked} s (Retry-After), more than the ${Math.round(cap / 1000)} s this tool waits: try again later`, failure);
      }
      let wait: number;
      if (status === 429) {
        // Not acted on (the limiter stands before the handler), so any method may be sent again, until the patience runs out.
        this.stats.rateLimited++;
        this.pacer.slowDown(sentAt, Date.now());
        throttledSince ??= sentAt;
        wait = failure.retryAfterMs ?? this.backoff(++this.throttledInARow);
        this.pausedUntil = Math.max(this.pausedUntil, Date.now() + wait);
        const patience = this.opts.rateLimitPatienceMs ?? RATE_LIMIT_PATIENCE_MS;
        if (Date.now() + wait - throttledSince > patience) {
          throw fail(429, `${failure.message} (still rate-limited after ${Math.round(patience / 1000)} s)`, failure);
        }
      } else {
        const allowed = mode === 'safe' || !failure.sent;
        if (!failure.retryable || !allowed || attempt >= this.opts.attempts) throw fail(status, failure.message, failure);
        attempt++;
        wait = failure.retryAfterMs ?? this.backoff(attempt - 1);
      }
      this.stats.retries++;
      if (!(await this.sleep(wait, status === 429 ? 'rate limit' : 'retry'))) {
        throw fail(status, `${failure.message} (interrupted before retrying)`, failure);
      }
    }
  }

  /** One attempt, bounded in time and size. */
  private async send(req: ApiRequest, path: string): Promise<{ status: number | null; okText: string; failure?: Failure }> {
    const started = Date.now();
    const deadline = AbortSignal.timeout(this.opts.timeoutMs);
    const maxBytes = this.opts.maxBodyBytes ?? MAX_BODY_BYTES;
    try {
      const res = await this.pool.request({
        method: req.method,
        path,
        headers: {
          authorization: `Bearer ${this.opts.apiKey}`,
          accept: 'application/json',
          'user-agent': this.opts.userAgent,
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: deadline,
      });
      const status = res.statusCode;
      this.opts.onAnswer?.({ method: req.method, path: req.path, status, headers: headersOf(res.headers) });
      const { text, complete } = await readCapped(res.body, maxBytes);
      this.log(`${req.method} ${req.path} -> ${status} (${Date.now() - started} ms)`);
      if (status >= 200 && status < 300) {
        if (complete) return { status, okText: text };
        // Whatever it is, the answer is unusable; after a POST the server may still have created something.
        return { status: null, okText: '', failure: { message: `the answer is larger than ${formatBytes(maxBytes)}: stopped reading it`, sent: true, retryable: false, done: true } };
      }
      if (status >= 300 && status < 400) {
        const where = header(res.headers.location);
        const message = where
          ? `the API URL redirects to ${this.clean(where)}: set --api-url (or OPENCX_API_URL) to the new address`
          : 'the API answered with a redirect but no address: check --api-url (or OPENCX_API_URL)';
        return { status, okText: '', failure: { message, sent: true, retryable: false } };
      }
      const failure: Failure = {
        message: cut(this.clean(apiMessage(text, status))),
        // A 429 comes from the limiter in front of the handler: the request was not acted on.
        sent: status !== 429,
        retryable: status === 429 || status >= 500,
      };
      const retryAfter = status === 429 || status === 503 ? retryAfterMs(header(res.headers['retry-after'])) : undefined;
      if (retryAfter !== undefined) failure.retryAfterMs = retryAfter;
      return { status, okText: '', failure };
    } catch (err) {
      // Also when the body broke off after the status line: the answer is lost, whatever it said.
      const code = (err as { code?: string }).code ?? '';
      const message = deadline.aborted ? `timed out after ${this.opts.timeoutMs} ms (--timeout)` : this.clean(describeNetworkError(err));
      this.opts.onAnswer?.({ method: req.method, path: req.path, status: null, headers: {} });
      this.log(`${req.method} ${req.path} -> ${message} (${Date.now() - started} ms)`);
      return { status: null, okText: '', failure: { message, sent: !NOT_SENT.has(code), retryable: true } };
    }
  }

  /** Waits out a shared pause and the next paced slot; false when interrupted. */
  private async waitForTurn(): Promise<boolean> {
    for (;;) {
      const paused = this.pausedUntil - Date.now();
      if (paused > 0) {
        if (!(await this.sleep(paused, 'rate limit'))) return false;
        continue;
      }
      const slot = this.pacer.reserve(Date.now());
      if (slot > 0 && !(await this.sleep(slot, 'rate limit'))) return false;
      // A 429 elsewhere while this one waited for its slot: wait for the pause too.
      if (this.pausedUntil <= Date.now()) return true;
    }
  }

  /** Exponential with jitter, so workers that failed together do not retry together. */
  private backoff(n: number): number {
    const ms = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (n - 1));
    return ms * (0.5 + Math.random() / 2);
  }

  /** Sleeps unless interrupted (then false at once); long waits are announced every few seconds. */
  private async sleep(ms: number, reason: WaitReason): Promise<boolean> {
    const signal = this.opts.signal;
    if (signal?.aborted) return false;
    if (ms <= 0) return true;
    const end = Date.now() + ms;
    let ticker: NodeJS.Timeout | undefined;
    const onWait = this.opts.onWait;
    if (onWait && ms >= NOTICE_MIN_MS) {
      const notice = () => {
        const now = Date.now();
        // Workers waiting out the same pause announce it once.
        if (end - now < 1000 || now - this.lastNotice < NOTICE_EVERY_MS - 500) return;
        this.lastNotice = now;
        onWait({ ms: end - now, reason });
      };
      notice();
      ticker = setInterval(notice, NOTICE_EVERY_MS);
    }
    try {
      await delay(ms, undefined, signal ? { signal } : {});
      return true;
    } catch {
      return false;
    } finally {
      clearInterval(ticker);
    }
  }

  private log(line: string) {
    this.opts.log?.(this.clean(line));
  }

  /** Server text made printable: the key hidden first, then control characters stripped. */
  private clean(s: string): string {
    return cleanText(s, this.opts.apiKey);
  }
}

/** Reads at most `max` bytes, then stops reading (and drops the connection). */
async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<{ text: string; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size + buf.length > max) {
      chunks.push(buf.subarray(0, max - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), complete: false };
    }
    size += buf.length;
    chunks.push(buf);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete: true };
}

function cut(s: string): string {
  return s.length > EXCERPT ? `${s.slice(0, EXCERPT)}...` : s;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${n} bytes`;
}

function headersOf(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function header(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

/** A 2xx answer that is not JSON: after a POST the server may still have created something. */
function parseBody(text: string, req: ApiRequest, mode: RetryMode): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(req.method, req.path, null, 'the API answered with something that is not JSON', mode === 'unsafe');
  }
}

function queryString(q: ApiRequest['query']): string {
  if (!q) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * The API's message: `{statusCode, message, error}` where message may be a string or a list; any
 * other body whole. The caller cuts it to length only after redacting it.
 */
function apiMessage(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (Array.isArray(body.message)) return body.message.map(String).join('; ');
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to the whole text, cut after redaction
  }
  return text.trim() || `HTTP ${status}`;
}

function retryAfterMs(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out waiting for the API';
  if (e.code === 'ECONNREFUSED') return 'connection refused: is the API URL right?';
  return `network error: ${e.code ?? ''} ${e.message ?? String(err)}`.trim();
}
