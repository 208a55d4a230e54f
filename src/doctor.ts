// `opencx-sync doctor` as a function: the config's client, the probe sequence, and the report (every
// string in it scrubbed of the key and of control characters). Used by the CLI and by tests in process.
import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import { completeChecks, DOCTOR_FORMAT_VERSION, resultOf, type CheckId, type DoctorReport } from './core/doctor.js';
import { apiClientFor, type Hooks } from './engine.js';
import { cleanText } from './errors.js';
import type { Answer } from './io/api.js';
import { probeApi, type ProbePhase, type Seen } from './io/doctor-probe.js';
import { OpencxRemote } from './io/remote.js';
import { VERSION } from './version.js';

export interface DoctorOptions {
  /** Stops starting new steps; the probe is still removed. */
  signal?: AbortSignal;
  now?: () => Date;
  onStep?: (id: CheckId) => void;
  onProbe?: (phase: ProbePhase) => void;
}

/** Header values are server text: short, and only the rate-limit ones. */
const RATE_HEADER = /^(x-)?rate-?limit|^retry-after$/i;
const MAX_HEADER_TEXT = 100;

export async function runDoctor(config: Config, opts: DoctorOptions = {}, hooks: Hooks = {}): Promise<DoctorReport> {
  const now = opts.now ?? (() => new Date());
  const started = now().toISOString();
  const answers: Answer[] = [];
  const signal = opts.signal ?? new AbortController().signal;
  const onAnswer = (a: Answer) => answers.push(a);
  // Each warning once, whichever of the two listings below reads the training.
  const warned = new Set<string>();
  const warn = hooks.warn;
  const once = warn ? { warn: (l: string) => void (warned.has(l) || (warned.add(l), warn(l))) } : {};
  const remoteOf = (api: Awaited<ReturnType<typeof apiClientFor>>) => new OpencxRemote(api, { secret: config.apiKey, ...once });
  // Ctrl-C cuts the sequence's waits (a retry, a 429 pause) short; the clean-up has its own client,
  // deaf to it, so the probe's DELETE is still sent after one.
  const api = await apiClientFor(config, hooks, { signal, onAnswer });
  const cleanupApi = await apiClientFor(config, hooks, { onAnswer });
  let outcome: Awaited<ReturnType<typeof probeApi>>;
  try {
    outcome = await probeApi({
      api,
      remote: remoteOf(api),
      cleanup: { api: cleanupApi, remote: remoteOf(cleanupApi) },
      runId: randomBytes(6).toString('hex'),
      signal,
      ...(opts.onStep ? { onStep: opts.onStep } : {}),
      ...(opts.onProbe ? { onProbe: opts.onProbe } : {}),
    });
  } finally {
    await Promise.all([api.close(), cleanupApi.close()]);
  }
  outcome.checks.set('rate-limit', rateLimitOf(answers, config.rateLimit, config.apiKey));
  const reason = outcome.stopped === 'interrupted' ? 'not checked: interrupted' : 'not checked: an earlier step stopped the run';
  const checks = completeChecks(outcome.checks, reason);
  const report: DoctorReport = {
    format_version: DOCTOR_FORMAT_VERSION,
    command: 'doctor',
    tool_version: VERSION,
    api_url: shownUrl(config.apiUrl),
    started_at: started,
    finished_at: now().toISOString(),
    result: resultOf(checks, outcome.stopped),
    checks,
    probe: outcome.probe,
    requests: answers.map((a) => ({ method: a.method, path: a.path, status: a.status })),
    ...(outcome.error ? { stopped_because: outcome.error } : {}),
  };
  return scrub(report, config.apiKey);
}

function rateLimitOf(answers: Answer[], rateLimit: number, key: string | undefined): Seen {
  const seen = new Map<string, string>();
  // Hidden before the cut: a key straddling it would leave its first characters behind.
  const cut = (v: string) => cleanText(v, key).slice(0, MAX_HEADER_TEXT);
  for (const a of answers) for (const [k, v] of Object.entries(a.headers)) if (RATE_HEADER.test(k)) seen.set(k, cut(v));
  const tool = `paces itself at ${rateLimit || 'no'} requests a minute (--rate-limit) and honours Retry-After on a 429`;
  if (seen.size === 0) return { verdict: 'holds', observed: 'none', tool };
  const observed = [...seen].map(([k, v]) => `${k}: ${v}`).join('; ');
  const limit = [...seen].find(([k]) => /limit$/i.test(k))?.[1];
  const n = limit === undefined ? NaN : Number.parseInt(limit, 10);
  if (Number.isFinite(n) && n > 0 && (rateLimit === 0 || n < rateLimit)) return { verdict: 'differs', observed, tool: `${tool}: pass --rate-limit ${n}` };
  return { verdict: 'holds', observed, tool };
}

/** Origin and path: a URL's user, password, query or fragment never reach the report or the terminal. */
export function shownUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** Every string of the report without the key (in any piece or encoding) and printable. */
function scrub<T>(v: T, key: string | undefined): T {
  if (typeof v === 'string') return cleanText(v, key) as T;
  if (Array.isArray(v)) return v.map((x) => scrub(x, key)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, key)])) as T;
  return v;
}
