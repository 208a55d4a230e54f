// `opencx-sync doctor` in process against the sandbox under every reading: the observed column per
// reading, nothing left behind (also after a failure mid-way and with a probe a killed run left), the
// probe never taken for a managed training, and the key never in the report.
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { renderDoctorReport, type CheckId, type Verdict } from '../src/core/doctor.js';
import { exitCodeOf } from '../src/cli/exit.js';
import { MANAGED_BY, PROBE_TAG } from '../src/core/training.js';
import { runDoctor } from '../src/doctor.js';
import { runStateRebuild } from '../src/engine.js';
import { createRecord, STRICT } from '../src/sandbox/model.js';
import { behaviourOf, READING_NAMES } from '../src/sandbox/readings.js';
import type { Sandbox, SandboxOptions } from '../src/sandbox/server.js';
import { trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';
import { runInProcess } from './run-in-process.js';
import path from 'node:path';

let env: InProcess | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await env?.close();
  env = undefined;
  for (const c of closers.splice(0)) await c();
});

/** Two trainings made "in the dashboard" a day apart, so the list order can be seen. */
function seed(s: Sandbox) {
  const a = createRecord('seed-old', 1, { title: 'Old one?', content: 'Old.', is_draft: false }, '2026-01-01T00:00:00.000Z', STRICT);
  const b = createRecord('seed-new', 2, { title: 'New one?', content: 'New.', metadata: { other: 'tool' } }, '2026-01-02T00:00:00.000Z', STRICT);
  for (const r of [a, b]) s.state.trainings.set(r.id, r);
}

/** A hostile server that lists `item` as the only training and answers 404 to everything else. */
async function listingOnly(item: Record<string, unknown>): Promise<string> {
  const server = createServer((req, res) => {
    const isList = req.method === 'GET' && /^\/training(\?|$)/.test(req.url ?? '');
    res.writeHead(isList ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(isList ? { items: [item], total: 1, has_more: false } : { statusCode: 404, message: 'Not Found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A proxy in front of the sandbox; `answer` may answer a request itself instead (a hostile server), and
 * `rewrite` may change what is forwarded (a server that ignores a parameter).
 */
async function proxy(
  s: Sandbox,
  answer: (req: { method: string; url: URL }) => { status: number; body?: unknown } | undefined,
  rewrite: (url: URL) => void = () => {},
): Promise<string> {
  const target = new URL(s.url);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    rewrite(url);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const own = answer({ method: req.method ?? 'GET', url });
      if (own) {
        const text = own.body === undefined ? undefined : JSON.stringify(own.body);
        res.writeHead(own.status, text ? { 'content-type': 'application/json' } : {}).end(text);
        return;
      }
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const headers = { authorization: req.headers.authorization ?? '', ...(body ? { 'content-type': 'application/json' } : {}) };
      void fetch(`${target.origin}${url.pathname}${url.search}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) }).then(
        async (r) => {
          const text = await r.text();
          res.writeHead(r.status, text ? { 'content-type': 'application/json' } : {}).end(text || undefined);
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const snapshot = (s: Sandbox) => JSON.stringify([...s.state.trainings.values()].sort((a, b) => a.id.localeCompare(b.id)));

async function doctorUnder(opts: SandboxOptions) {
  env = await inProcess({}, opts);
  seed(env.sandbox);
  const before = snapshot(env.sandbox);
  const report = await runDoctor(env.config);
  return { report, before, after: snapshot(env.sandbox), e: env };
}

/** What each reading changes from the strict observations: check -> [verdict, observed]. */
const DIFFERS: Record<string, [CheckId, Verdict, RegExp][]> = {
  strict: [],
  'put-keeps-omitted': [['put-omitted', 'differs', /^kept: restricted_to_channels stayed \[api\]$/]],
  'put-rejects-metadata': [['put-metadata', 'differs', /^refused: 400 property metadata should not exist$/]],
  'put-ignores-metadata': [['put-metadata', 'differs', /^accepted \(200\) but not kept/]],
  'create-200': [['create-status', 'differs', /^200$/], ['write-scope', 'holds', /^200: granted$/]],
  'draft-toggles': [['draft-endpoint', 'differs', /^toggles: /]],
  'list-oldest-first': [['list-sort', 'differs', /^oldest first$/]],
  'delete-200-body': [['delete', 'differs', /^200, with a body; then gone; a second delete: 404$/]],
  'rate-limit-headers': [['rate-limit', 'differs', /^x-ratelimit-limit: 50; x-ratelimit-remaining: \d+$/]],
};

const STRICT_OBSERVED: [CheckId, RegExp][] = [
  ['key', /^200: accepted$/],
  ['write-scope', /^201: granted$/],
  ['segments-scope', /^200: granted$/],
  ['list-paging', /^2 of 2, has_more false$/],
  ['list-sort', /^newest first$/],
  ['leftovers', /^none$/],
  ['create-status', /^201$/],
  ['create-draft', /^a draft$/],
  ['metadata-stored', /^stored and returned$/],
  ['metadata-filter', /^found exactly the probe$/],
  ['put-metadata', /^accepted and kept$/],
  ['put-omitted', /^reset: restricted_to_channels went back to \[\]$/],
  ['draft-endpoint', /^200: sets the state in its body/],
  ['type-change', /^taken; the draft stayed a draft/],
  ['delete', /^204, no body; then gone; a second delete: 404$/],
  ['rate-limit', /^none$/],
];

/** Each reading alone, then every one that is not strict at once (PUT ignoring metadata wins over rejecting it). */
const CASES: [string, string[]][] = [
  ...READING_NAMES.map((n): [string, string[]] => [n, [n]]),
  ['all the others at once', READING_NAMES.filter((n) => n !== 'strict' && n !== 'put-rejects-metadata')],
];

describe.each(CASES)('doctor under the reading %s', (_, readings) => {
  const reading = readings.length === 1 ? (readings[0] as string) : 'combined';
  it('observes the reading, says what the tool does, and leaves the sandbox as it was', async () => {
    // Rate-limit headers come with a limit: 50 a minute, under the tool's default of 100.
    const { report, before, after } = await doctorUnder({ behaviour: behaviourOf(readings), ...(readings.includes('rate-limit-headers') ? { rateLimit: 50 } : {}) });
    const differs = new Map(readings.flatMap((r) => DIFFERS[r] ?? []).map(([id, verdict, observed]) => [id, { verdict, observed }]));
    expect(report.checks.map((c) => c.id)).toEqual(STRICT_OBSERVED.map(([id]) => id));
    for (const [id, strictObserved] of STRICT_OBSERVED) {
      const check = report.checks.find((c) => c.id === id);
      const want = differs.get(id) ?? { verdict: 'holds', observed: strictObserved };
      expect({ id, verdict: check?.verdict }).toEqual({ id, verdict: want.verdict });
      expect(check?.observed).toMatch(want.observed);
      expect(check?.tool.length).toBeGreaterThan(10);
    }
    if (readings.includes('rate-limit-headers')) expect(report.checks.find((c) => c.id === 'rate-limit')?.tool).toMatch(/pass --rate-limit 50$/);
    expect(report.result).toBe(reading === 'strict' ? 'holds' : 'differs');
    expect(exitCodeOf(report)).toBe(reading === 'strict' ? 0 : 3);
    expect(report.probe).toMatchObject({ removed: true, leftovers_removed: [] });
    expect(after).toBe(before);
    expect(report.format_version).toBe(1);
    // What is printed: one row per check, its mark, assumption, observation and the tool's answer.
    const plain = (x: string) => x;
    const lines = renderDoctorReport(report, { c: { green: plain, yellow: plain, red: plain, dim: plain, bold: plain }, width: 2000 }).split('\n');
    for (const c of report.checks) {
      const mark = { holds: 'ok', differs: 'differs', breaks: 'BREAKS', unknown: '?' }[c.verdict];
      expect(lines.some((l) => l.startsWith(`${mark} `) && l.includes(c.assumption) && l.includes(c.observed) && l.includes(c.tool)), c.id).toBe(true);
    }
  });
});

describe('doctor', () => {
  it('a create that publishes by default: the probe is made a draft again at once', async () => {
    const { report, before, after, e } = await doctorUnder({ behaviour: { defaultDraft: false } });
    expect(report.checks.find((c) => c.id === 'create-draft')).toMatchObject({ verdict: 'differs', observed: expect.stringMatching(/^published/) });
    const post = e.sandbox.state.requests.findIndex((r) => r.method === 'POST');
    expect(e.sandbox.state.requests[post + 1]).toMatchObject({ method: 'PUT', path: expect.stringMatching(/^\/training\/[^/]+$/) });
    expect(after).toBe(before);
  });

  it('a key without write access: write-scope breaks (exit code 4), nothing is left', async () => {
    env = await inProcess({}, { readOnlyKey: 'read-only-key-1234' });
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: env.sandbox.url, OPENCX_API_KEY: 'read-only-key-1234' }, flags: { rateLimit: 0 } });
    const report = await runDoctor(config);
    expect(report.checks.find((c) => c.id === 'write-scope')).toMatchObject({ verdict: 'breaks', observed: '403: the key lacks training:write' });
    expect(report.result).toBe('breaks');
    expect(exitCodeOf(report)).toBe(4);
    expect(env.records()).toEqual([]);
  });

  it('a failure mid-way (every answer to a PUT lost): the run stops, the probe is still deleted', async () => {
    const { report, before, after, e } = await doctorUnder({ dropWhen: (r) => r.method === 'PUT' });
    expect(report.result).toBe('error');
    expect(report.stopped_because).toMatch(/PUT with metadata/);
    expect(report.checks.find((c) => c.id === 'draft-endpoint')).toMatchObject({ verdict: 'unknown', observed: 'not checked: an earlier step stopped the run' });
    expect(report.probe.removed).toBe(true);
    expect(exitCodeOf(report)).toBe(1);
    expect(after).toBe(before);
    expect(e.writes().at(-1)).toMatch(/^DELETE \/training\//);
  });

  it('every listing lost once the probe exists: the probe is still deleted by its id', async () => {
    // Found by hostile testing: the clean-up listed by tag first and gave up when the listing failed,
    // never sending the DELETE for the id it knew.
    let posted = false;
    env = await inProcess({}, {
      dropWhen: (r) => {
        if (r.method === 'POST') posted = true;
        return posted && r.method === 'GET' && r.path === '/training';
      },
    });
    seed(env.sandbox);
    const before = snapshot(env.sandbox);
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: env.sandbox.url, OPENCX_API_KEY: env.sandbox.apiKey }, flags: { rateLimit: 0, retries: 0 } });
    const report = await runDoctor(config);
    expect(report.result).toBe('error');
    expect(report.stopped_because).toMatch(/^GET \/training\?metadata=/);
    expect(report.probe).toMatchObject({ id: expect.any(String), removed: true });
    expect(snapshot(env.sandbox)).toBe(before);
  });

  it('a DELETE that answers 204 but keeps the probe: doctor says the probe is left, names it, exit code 1', async () => {
    // Found by hostile testing: the clean-up resent the DELETE and took its 2xx as gone, so the report
    // said "deleted" (exit 3) while the probe stayed in Open.cx.
    env = await inProcess({});
    const url = await proxy(env.sandbox, (req) => (req.method === 'DELETE' ? { status: 204 } : undefined));
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: url, OPENCX_API_KEY: env.sandbox.apiKey }, flags: { rateLimit: 0, retries: 0 } });
    const report = await runDoctor(config);
    const left = env.records().map((r) => r.id);
    expect(left).toHaveLength(1);
    expect(report.checks.find((c) => c.id === 'delete')).toMatchObject({ verdict: 'differs', observed: expect.stringMatching(/still there/) });
    expect(report.probe).toEqual({ id: left[0], removed: false, leftovers_removed: [] });
    expect(exitCodeOf(report)).toBe(1);
    const plain = (t: string) => t;
    const text = renderDoctorReport(report, { c: { green: plain, yellow: plain, red: plain, dim: plain, bold: plain }, width: 2000 });
    expect(text).toContain(`The probe ${left[0]} may still be in Open.cx`);
  });

  it('the probe deleted by someone else mid-way (a second doctor at the same time): an error saying so, not BREAKS', async () => {
    // Found by hostile testing: a second doctor removes the first one's probe as a leftover; the first
    // then reported "the probe was not found by its metadata" as BREAKS (exit 4: "do not apply").
    const box: { sandbox?: Sandbox } = {};
    env = await inProcess({}, {
      onRequest: (r) => {
        if (r.method === 'GET' && r.path === '/training' && r.query.includes('run')) {
          const trainings = box.sandbox?.state.trainings;
          for (const [id, t] of trainings ?? []) if (t.metadata.probe === PROBE_TAG) trainings?.delete(id);
        }
      },
    });
    box.sandbox = env.sandbox;
    const report = await runDoctor(env.config);
    expect(report.result).toBe('error');
    expect(report.stopped_because).toMatch(/^the probe \S+ is gone: deleted while doctor ran/);
    expect(report.checks.filter((c) => c.verdict === 'breaks')).toEqual([]);
    expect(report.probe.removed).toBe(true);
    expect(exitCodeOf(report)).toBe(1);
  });

  it('Ctrl-C while a request waits to be retried: stops at once, nothing more is sent', async () => {
    // Found by hostile testing: the client had no signal, so after Ctrl-C doctor went on retrying (up to
    // 6 attempts, or 15 minutes of 429s) before it stopped.
    const stop = new AbortController();
    env = await inProcess({}, { failEvery: 1, onRequest: () => stop.abort() });
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: env.sandbox.url, OPENCX_API_KEY: env.sandbox.apiKey }, flags: { rateLimit: 0, retries: 1, retryDelay: 60_000 } });
    const report = await runDoctor(config, { signal: stop.signal });
    expect(report.result).toBe('interrupted');
    expect(env.sandbox.state.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /training']);
  });

  it('Ctrl-C once the probe exists: the clean-up is still sent, and the probe is gone', async () => {
    const stop = new AbortController();
    env = await inProcess({}, { onRequest: (r) => void (r.method === 'PUT' && stop.abort()) });
    seed(env.sandbox);
    const before = snapshot(env.sandbox);
    const report = await runDoctor(env.config, { signal: stop.signal });
    expect(report.result).toBe('interrupted');
    expect(report.probe).toMatchObject({ id: expect.any(String), removed: true });
    expect(snapshot(env.sandbox)).toBe(before);
  });

  it('a create answer that names another training: nothing is sent to it; the probe is found by its tag and deleted', async () => {
    // Found by hostile testing: the probe's id was taken from the create answer unchecked, so an answer
    // naming a customer's training (a stale cache, a broken proxy) had doctor overwrite it with the
    // probe (the answer said "published": made a draft again), then delete it in the clean-up. Here the
    // proxy answers the POST itself, so no probe is made: nothing at all may change.
    env = await inProcess({});
    seed(env.sandbox);
    const before = snapshot(env.sandbox);
    const sandbox = env.sandbox;
    const customer = sandbox.state.trainings.get('seed-old');
    const wrong = await proxy(env.sandbox, (req) => (req.method === 'POST' && req.url.pathname === '/training' ? { status: 201, body: customer } : undefined));
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: wrong, OPENCX_API_KEY: env.sandbox.apiKey }, flags: { rateLimit: 0, retries: 0 } });
    const report = await runDoctor(config);
    expect(report.result).toBe('error');
    expect(report.stopped_because).toMatch(/^the create answer named the id seed-old, which is not this run's probe/);
    expect(env.sandbox.state.requests.filter((r) => r.path === '/training/seed-old' && r.method !== 'GET')).toEqual([]);
    expect(snapshot(env.sandbox)).toBe(before);
  });

  it('the create answer lost: the probe is found by its tag, deleted, and named in the report', async () => {
    env = await inProcess({}, { dropWhen: (r) => r.method === 'POST' });
    seed(env.sandbox);
    const before = snapshot(env.sandbox);
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: env.sandbox.url, OPENCX_API_KEY: env.sandbox.apiKey }, flags: { rateLimit: 0, retries: 0 } });
    const report = await runDoctor(config);
    const deleted = env.sandbox.state.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(deleted).toHaveLength(1);
    expect(report.probe).toEqual({ id: deleted[0]?.replace('/training/', ''), removed: true, leftovers_removed: [] });
    expect(report.stopped_because).toMatch(/^POST \/training failed: network error/);
    expect(snapshot(env.sandbox)).toBe(before);
  });

  it('a probe an earlier (killed) run left is found by its tag and deleted first; nothing else is touched', async () => {
    env = await inProcess({});
    seed(env.sandbox);
    const before = snapshot(env.sandbox);
    const left = createRecord('left-probe', 3, { title: 'opencx-sync doctor probe 0', content: 'x', metadata: { managed_by: MANAGED_BY, probe: PROBE_TAG, run: 'old' } }, new Date().toISOString(), STRICT);
    env.sandbox.state.trainings.set(left.id, left);
    const report = await runDoctor(env.config);
    expect(report.probe.leftovers_removed).toEqual(['left-probe']);
    expect(report.checks.find((c) => c.id === 'leftovers')).toMatchObject({ verdict: 'holds', observed: 'removed 1: left-probe' });
    expect(snapshot(env.sandbox)).toBe(before);
  });

  it('an API that ignores the metadata filter: doctor says it breaks the tool, and deletes only its own probe', async () => {
    // The filter ignored: a proxy in front of the sandbox drops the metadata query parameter.
    env = await inProcess({});
    seed(env.sandbox);
    const before = snapshot(env.sandbox);
    const url = await proxy(env.sandbox, () => undefined, (u) => u.searchParams.delete('metadata'));
    const config = resolveConfig({ cwd: env.ws.dir, env: { OPENCX_API_URL: url, OPENCX_API_KEY: env.sandbox.apiKey }, flags: { rateLimit: 0 } });
    const report = await runDoctor(config);
    expect(report.checks.find((c) => c.id === 'metadata-filter')).toMatchObject({ verdict: 'breaks', observed: 'ignored: 3 trainings answered' });
    expect(exitCodeOf(report)).toBe(4);
    expect(snapshot(env.sandbox)).toBe(before);
  });

  it('a probe left in Open.cx is never a managed training nor a sign of a lost state file', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const left = createRecord('left-probe', 1, { title: 'opencx-sync doctor probe 0', content: 'x', metadata: { managed_by: MANAGED_BY, probe: PROBE_TAG, run: 'old' } }, new Date().toISOString(), STRICT);
    env.sandbox.state.trainings.set(left.id, left);
    // No state file and a tagged training in Open.cx: apply would refuse, taking it for lost state.
    expect((await env.apply()).outcomes).toMatchObject([{ status: 'created' }]);
    const { plan } = await env.plan();
    expect(plan?.drift).toEqual([]);
    expect(plan?.changes).toEqual([]);
    const rebuilt = await runStateRebuild(env.config, { force: true });
    expect([...rebuilt.state.trainings.keys()]).toEqual(['a']);
    expect(env.sandbox.state.trainings.get('left-probe')).toEqual(left);
  });

  it('the key is in no part of the report, even when the server echoes it in errors and headers', async () => {
    const key = 'sk_live_4f9A+b/Zq=Xy7Lm2Np8Qr0123456789';
    const server = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      res.writeHead(401, { 'content-type': 'application/json', 'x-ratelimit-policy': `key ${auth} ${encodeURIComponent(key.slice(4, 20))}` });
      res.end(JSON.stringify({ statusCode: 401, message: `Unauthorized: ${auth} (${key.slice(3, 14)})`, error: 'Unauthorized' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }));
    const env0 = { OPENCX_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/?key=${encodeURIComponent(key)}`, OPENCX_API_KEY: key };
    const report = await runDoctor(resolveConfig({ cwd: process.cwd(), env: env0, flags: { rateLimit: 0 } }));
    expect(report.checks.find((c) => c.id === 'key')).toMatchObject({ verdict: 'breaks' });
    expect(report.checks.find((c) => c.id === 'rate-limit')?.observed).toContain('x-ratelimit-policy: key Bearer ***');
    const text = JSON.stringify(report);
    for (let i = 0; i + 8 <= key.length; i++) expect(text).not.toContain(key.slice(i, i + 8));
    expect(text).not.toContain(encodeURIComponent(key.slice(4, 20)));
    expect(report.api_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a training id cut to length in a warning is cut after the key is hidden', async () => {
    const key = 'Q7zWk9Lp2Xv8Rt4Mn6Bc1Hd3';
    const item = { id: `${'x'.repeat(75)}${key}`, title: 'x', content: 'y', type: 'WEIRD_TYPE', metadata: { managed_by: MANAGED_BY, probe: PROBE_TAG, run: 'old' } };
    const env0 = { OPENCX_API_URL: await listingOnly(item), OPENCX_API_KEY: key };
    const warnings: string[] = [];
    await runDoctor(resolveConfig({ cwd: process.cwd(), env: env0, flags: { rateLimit: 0, retries: 0 } }), {}, { warn: (l) => warnings.push(l) });
    expect(warnings).toEqual([expect.stringMatching(/^training id x{75}\*\*\* has type/)]);
    expect(warnings.join('')).not.toContain(key.slice(0, 3));
  });

  it('a rate-limit header cut to length is cut after the key is hidden, so no piece of it survives the cut', async () => {
    // Found by hostile testing: header values were cut to 100 characters before redaction, so a key
    // straddling the cut left its first characters in the report.
    const key = 'Q7zWk9Lp2Xv8Rt4Mn6Bc1Hd3';
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'x-ratelimit-policy': `${'x'.repeat(95)}${key}` });
      res.end(JSON.stringify({ statusCode: 401, message: 'Unauthorized' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }));
    const env0 = { OPENCX_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, OPENCX_API_KEY: key };
    const report = await runDoctor(resolveConfig({ cwd: process.cwd(), env: env0, flags: { rateLimit: 0 } }));
    const observed = report.checks.find((c) => c.id === 'rate-limit')?.observed ?? '';
    expect(observed).toMatch(/^x-ratelimit-policy: x{95}\*\*\*/);
    expect(observed).not.toContain(key.slice(0, 3));
  });

  it('the key is in no warning either, when the server sends it back as a training id', async () => {
    // Found by hostile testing: remote.ts's warnings (here: a type this version does not know) named
    // the training by its id as the server sent it, cut to 80 characters and never redacted.
    const key = 'sk_live_4f9A+b/Zq=Xy7Lm2Np8Qr0123456789';
    const item = { id: key, title: 'x', content: 'y', type: 'WEIRD_TYPE', is_draft: true, metadata: { managed_by: MANAGED_BY, probe: PROBE_TAG, run: 'old' } };
    const env0 = { OPENCX_API_URL: await listingOnly(item), OPENCX_API_KEY: key };
    const warnings: string[] = [];
    const report = await runDoctor(resolveConfig({ cwd: process.cwd(), env: env0, flags: { rateLimit: 0, retries: 0 } }), {}, { warn: (l) => warnings.push(l) });
    expect(report.probe.leftovers_removed).toEqual(['***']);
    expect(warnings).toEqual([expect.stringMatching(/^training id \*\*\* has type "WEIRD_TYPE" unknown/)]);
    const text = JSON.stringify([report, warnings]);
    for (let i = 0; i + 8 <= key.length; i++) expect(text).not.toContain(key.slice(i, i + 8));
  });
});

describe('doctor --out', () => {
  const args = ['doctor', '--rate-limit', '0'];
  const envOf = (e: InProcess) => ({ OPENCX_API_URL: e.sandbox.url, OPENCX_API_KEY: e.sandbox.apiKey });

  it('a report that cannot be written: the table still shows, the error names --out, exit code 1', async () => {
    env = await inProcess({});
    // A missing folder is refused before the probe is made (doctor.e2e); a name too long for the file
    // system fails only at the write, after every check ran.
    const long = `${'r'.repeat(300)}.json`;
    const r = await runInProcess([...args, '--out', long], { cwd: env.ws.dir, env: envOf(env) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Every assumption holds\. The probe \S+ was deleted\./);
    expect(r.stderr).toMatch(new RegExp(`^Error: could not write the doctor report ${long.replace('.', '\\.')} \\(ENAMETOOLONG\\).*; the checks ran \\(holds\\), the probe was deleted$`, 'm'));
    expect(env.records()).toEqual([]);
  });

  it('with --json, a report that cannot be written: only the error document on stdout, saying how the checks went', async () => {
    // Found by hostile testing: the report was printed, then the error document after it: two JSON
    // documents on stdout (runInProcess checks there is exactly one).
    env = await inProcess({});
    const r = await runInProcess([...args, '--json', '--out', `${'r'.repeat(300)}.json`], { cwd: env.ws.dir, env: envOf(env) });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'doctor', error: { kind: 'user', message: expect.stringMatching(/^could not write the doctor report r+\.json .*the checks ran \(holds\), the probe was deleted$/) } });
  });

  it('a named pipe (as /dev/stdout is) is written to, never replaced by a file', async () => {
    // Found by hostile testing: the durable writer renamed a temp file over the target, so
    // "--out /dev/stdout" (run as root) replaced /dev/stdout with a regular file.
    env = await inProcess({});
    const fifo = path.join(env.ws.dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    closers.push(async () => void reader.kill());
    let read = '';
    reader.stdout.on('data', (c: Buffer) => (read += c.toString()));
    const ended = new Promise((r) => reader.on('close', r));
    const r = await runInProcess([...args, '--out', fifo], { cwd: env.ws.dir, env: envOf(env) });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    await ended;
    expect(JSON.parse(read)).toMatchObject({ command: 'doctor', result: 'holds' });
  });
});
