// The one HTTP module: keep-alive connections, pacing under the rate limit, retries with backoff, and
// errors turned into ApiError. It never logs headers, and scrubs the key from anything it reports.
import { setTimeout as delay } from 'node:timers/promises';
import pThrottle from 'p-throttle';
import { Pool } from 'undici';
import { ApiError, redact } from '../errors.js';

export interface ApiOptions {
  baseUrl: string;
  apiKey: string;
  /** Requests per minute; 0 = no pacing. */
  rateLimit: number;
  /** Open connections, and so requests in flight. */
  concurrency: number;
  timeoutMs: number;
  /** Attempts for a request that may be retried, the first included. */
  attempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  userAgent: string;
  log?: (line: string) => void;
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

// A sliding window a little wider than the server's, so latency jitter never pushes a request into its minute.
const WINDOW_MS = 60_000 * 1.015;

/** Errors raised before a request left this process: safe to repeat whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export class ApiClient {
  readonly stats: ApiStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly gate: () => Promise<void>;
  private pausedUntil = 0;

  constructor(private readonly opts: ApiOptions) {
    const url = new URL(opts.baseUrl);
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: opts.concurrency,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.gate =
      opts.rateLimit > 0
        ? pThrottle({ limit: opts.rateLimit, interval: WINDOW_MS, strict: true })(async () => {})
        : async () => {};
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Returns the parsed JSON body of a 2xx answer (undefined when empty); throws ApiError otherwise. */
  async request(req: ApiRequest, mode: RetryMode): Promise<{ status: number; body: unknown }> {
    const path = this.prefix + req.path + queryString(req.query);
    for (let attempt = 1; ; attempt++) {
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) await delay(wait);
      await this.gate();
      this.stats.requests++;
      const started = Date.now();
      let status: number | null = null;
      let failure: { message: string; sent: boolean; retryAfterMs?: number };
      let okText: string | undefined;
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
        });
        status = res.statusCode;
        const text = await res.body.text();
        this.log(`${req.method} ${req.path} -> ${status} (${Date.now() - started} ms)`);
        if (status >= 200 && status < 300) okText = text;
        // A 429 comes from the limiter in front of the handler: the request was not acted on.
        failure = { message: this.scrub(apiMessage(text, status)), sent: status !== 429 };
        if (status === 429) {
          this.stats.rateLimited++;
          failure.retryAfterMs = retryAfterMs(res.headers['retry-after']);
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + (failure.retryAfterMs ?? 0));
        }
      } catch (err) {
        // Also when the body broke off after the status line: the answer is lost, whatever it said.
        status = null;
        okText = undefined;
        const code = (err as { code?: string }).code ?? '';
        failure = { message: this.scrub(describeNetworkError(err)), sent: !NOT_SENT.has(code) };
        this.log(`${req.method} ${req.path} -> ${failure.message} (${Date.now() - started} ms)`);
      }
      if (okText !== undefined && status !== null) return { status, body: parseBody(okText, req, mode) };

      const retryable = status === null || status === 429 || status >= 500;
      const allowed = mode === 'safe' || !failure.sent;
      if (!retryable || !allowed || attempt >= this.opts.attempts) {
        throw new ApiError(req.method, req.path, status, failure.message, retryable && failure.sent && mode === 'unsafe');
      }
      this.stats.retries++;
      const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (attempt - 1));
      await delay(failure.retryAfterMs ?? backoff * (0.5 + Math.random() / 2));
    }
  }

  private log(line: string) {
    this.opts.log?.(this.scrub(line));
  }

  private scrub(s: string): string {
    return redact(s, this.opts.apiKey);
  }
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

/** The API's message: `{statusCode, message, error}` where message may be a string or a list. */
function apiMessage(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (Array.isArray(body.message)) return body.message.map(String).join('; ');
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to a short excerpt
  }
  return text.trim().slice(0, 200) || `HTTP ${status}`;
}

function retryAfterMs(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
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
