// The sandbox over real HTTP: every endpoint, every error status, the containment rules, paging edges,
// rate limit, fault switches and persistence.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { behaviourOf } from '../src/sandbox/readings.js';
import { DEFAULT_SEGMENTS, startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server.js';
import { CLI } from './helpers.js';
import { runInProcess } from './run-in-process.js';

const KEY = 'sandbox-key';
const open: Sandbox[] = [];
async function sandbox(opts: SandboxOptions = {}) {
  const s = await startSandbox({ port: 0, ...opts });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function call(s: Sandbox, method: string, p: string, body?: unknown, key: string | null = KEY) {
  const res = await fetch(s.url + p, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const minimal = { title: 'Do you ship to Canada?', content: 'Yes, in 5-8 days.' };

describe('auth', () => {
  it('401 without or with a wrong key, 403 for a read-only key that writes', async () => {
    const s = await sandbox({ readOnlyKey: 'ro' });
    expect(await call(s, 'GET', '/training', undefined, null)).toMatchObject({ status: 401, body: { statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' } });
    expect((await call(s, 'GET', '/training', undefined, 'nope')).status).toBe(401);
    expect((await call(s, 'GET', '/training', undefined, 'ro')).status).toBe(200);
    expect(await call(s, 'POST', '/training', minimal, 'ro')).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
  });
});

describe('trainings', () => {
  it('creates with documented defaults; a published create is version 1', async () => {
    const s = await sandbox();
    const draft = await call(s, 'POST', '/training', minimal);
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({
      ...minimal, type: 'SCENARIO_SPECIFIC', is_draft: true, draft_title: null, draft_content: null, directory_id: null,
      restricted_to_channels: [], restricted_to_segments: [], metadata: {}, current_version: null, published_at: null,
    });
    const live = await call(s, 'POST', '/training', { ...minimal, is_draft: false, directory_id: 'dir-billing', metadata: { k: 1 } });
    expect(live.body).toMatchObject({ is_draft: false, current_version: 1, directory_id: 'dir-billing', metadata: { k: 1 } });
    expect(typeof live.body.published_at).toBe('string');
    expect((await call(s, 'GET', `/training/${live.body.id}`)).body).toEqual(live.body);
  });

  it('validates bodies like NestJS: every problem as a list', async () => {
    const s = await sandbox();
    const r = await call(s, 'POST', '/training', { title: '', content: 5, type: 'X', is_draft: 'no', restricted_to_channels: ['fax'], extra: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('Bad Request');
    expect(r.body.message).toEqual([
      'property extra should not exist',
      'title should not be empty',
      'content must be a string',
      'content should not be empty',
      'type must be one of the following values: SCENARIO_SPECIFIC, BEHAVIORAL',
      'is_draft must be a boolean value',
      'each value in restricted_to_channels must be one of the following values: web, email, phone_voice, slack, sms, whatsapp, instagram, messenger, api, web_voice',
    ]);
    expect((await call(s, 'POST', '/training', { ...minimal, directory_id: 'nope' })).body.message).toEqual(['directory_id nope does not exist']);
    expect((await call(s, 'POST', '/training', { ...minimal, restricted_to_segments: ['x'] })).status).toBe(400);
    expect((await call(s, 'POST', '/training', '{"title": ')).status).toBe(400);
    expect((await call(s, 'POST', '/training', { ...minimal, content: 'x'.repeat(1_100_000) })).status).toBe(413);
    expect(s.state.trainings.size).toBe(0);
  });

  it('answers 404 for an unknown directory when switched to', async () => {
    const s = await sandbox({ unknownDirectoryStatus: 404 });
    expect((await call(s, 'POST', '/training', { ...minimal, directory_id: 'nope' })).status).toBe(404);
  });

  it('PUT is a whole-object update: omitted optional fields go back to defaults', async () => {
    const s = await sandbox();
    const { body: t } = await call(s, 'POST', '/training', { ...minimal, is_draft: false, restricted_to_channels: ['web'], metadata: { a: 1 } });
    const r = await call(s, 'PUT', `/training/${t.id}`, { title: 'New title', content: 'New content', is_draft: false });
    expect(r.body).toMatchObject({ title: 'New title', content: 'New content', restricted_to_channels: [], metadata: {}, current_version: 2 });
    expect((await call(s, 'PUT', `/training/${t.id}`, { title: 'x' })).body.message).toContain('content should not be empty');
    expect((await call(s, 'PUT', '/training/unknown', minimal)).status).toBe(404);
  });

  it('keeps the published text live while a draft is edited, then publishes it', async () => {
    const s = await sandbox();
    const { body: t } = await call(s, 'POST', '/training', { ...minimal, is_draft: false });
    const edited = await call(s, 'PUT', `/training/${t.id}`, { title: minimal.title, content: 'Draft text', is_draft: true });
    expect(edited.body).toMatchObject({ content: minimal.content, draft_content: 'Draft text', is_draft: true, current_version: 1 });
    const published = await call(s, 'PUT', `/training/${t.id}/draft`, { is_draft: false });
    expect(published.body).toMatchObject({ content: 'Draft text', draft_content: null, is_draft: false, current_version: 2 });
    expect((await call(s, 'PUT', `/training/${t.id}/draft`, {})).status).toBe(400);
  });

  it('changing the type resets the draft state', async () => {
    const s = await sandbox();
    const { body: t } = await call(s, 'POST', '/training', { ...minimal, is_draft: false });
    const r = await call(s, 'PUT', `/training/${t.id}`, { ...minimal, type: 'BEHAVIORAL', is_draft: false });
    expect(r.body).toMatchObject({ type: 'BEHAVIORAL', is_draft: true, current_version: null, published_at: null });
  });

  it('stores the active window and any metadata keys; a PUT that omits them resets them (the strict reading)', async () => {
    const s = await sandbox();
    const window = { start_time: '2026-01-01T00:00:00+01:00', end_time: '2026-02-01T00:00:00Z' };
    const metadata = { crm: { id: 7, tags: ['a'] }, managed_by: 'other' };
    const { body: t } = await call(s, 'POST', '/training', { ...minimal, ...window, metadata });
    expect(t).toMatchObject({ ...window, metadata });
    expect((await call(s, 'GET', `/training/${t.id}`)).body).toMatchObject({ ...window, metadata });
    const kept = await call(s, 'PUT', `/training/${t.id}`, { ...minimal, ...window, metadata });
    expect(kept.body).toMatchObject({ ...window, metadata });
    const reset = await call(s, 'PUT', `/training/${t.id}`, minimal);
    expect(reset.body).toMatchObject({ start_time: null, end_time: null, metadata: {} });
    expect((await call(s, 'PUT', `/training/${t.id}`, { ...minimal, start_time: 'soon' })).status).toBe(400);
  });

  it('DELETE answers 204, then 404', async () => {
    const s = await sandbox();
    const { body: t } = await call(s, 'POST', '/training', minimal);
    expect((await call(s, 'DELETE', `/training/${t.id}`)).status).toBe(204);
    expect((await call(s, 'DELETE', `/training/${t.id}`)).status).toBe(404);
    expect((await call(s, 'GET', `/training/${t.id}`)).body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

describe('GET /training', () => {
  let s: Sandbox;
  beforeAll(async () => {
    s = await startSandbox({ port: 0 });
    const make = (i: number, metadata: unknown, extra: object = {}) =>
      call(s, 'POST', '/training', { title: `T${i}`, content: `C${i}`, metadata, ...extra });
    await make(0, { managed_by: 'opencx-sync', key: 'a', tags: ['x', 'y'], n: 1, nested: { deep: { v: true } } }, { type: 'BEHAVIORAL' });
    await make(1, { managed_by: 'opencx-sync', key: 'b', tags: ['y'], n: '1' }, { is_draft: false });
    await make(2, {});
    for (let i = 3; i < 101; i++) await make(i, { bulk: true });
  });
  afterAll(() => s.close());

  const keys = async (filter: unknown) =>
    (await call(s, 'GET', `/training?limit=100&metadata=${encodeURIComponent(JSON.stringify(filter))}`)).body.items.map((t: { title: string }) => t.title).sort();

  it('filters metadata with jsonb containment', async () => {
    expect(await keys({ managed_by: 'opencx-sync' })).toEqual(['T0', 'T1']);
    expect(await keys({ nested: { deep: {} } })).toEqual(['T0']);
    expect(await keys({ nested: { deep: { v: false } } })).toEqual([]);
    expect(await keys({ tags: ['y'] })).toEqual(['T0', 'T1']);
    expect(await keys({ tags: ['x', 'x'] })).toEqual(['T0']);
    expect(await keys({ n: 1 })).toEqual(['T0']);
    expect(await keys({ n: '1' })).toEqual(['T1']);
    expect((await call(s, 'GET', `/training?limit=1&metadata=${encodeURIComponent('{}')}`)).body.total).toBe(101);
    expect((await call(s, 'GET', '/training?metadata=%5B1%5D')).status).toBe(400);
    expect((await call(s, 'GET', '/training?metadata=%7Bnope')).status).toBe(400);
  });

  it('pages with limit 1..100 and reports has_more', async () => {
    const first = await call(s, 'GET', '/training?limit=1');
    expect(first.body).toMatchObject({ total: 101, limit: 1, offset: 0, has_more: true });
    expect(first.body.items).toHaveLength(1);
    expect((await call(s, 'GET', '/training?limit=100')).body.items).toHaveLength(100);
    const last = await call(s, 'GET', '/training?limit=100&offset=100');
    expect(last.body).toMatchObject({ has_more: false, offset: 100 });
    expect(last.body.items).toHaveLength(1);
    expect((await call(s, 'GET', '/training')).body.limit).toBe(50);
    for (const q of ['limit=101', 'limit=0', 'offset=-1', 'limit=abc', 'sort_by=title', 'bogus=1']) {
      expect((await call(s, 'GET', `/training?${q}`)).status, q).toBe(400);
    }
  });

  it('filters by type, is_draft and text', async () => {
    expect((await call(s, 'GET', '/training?type=BEHAVIORAL')).body.total).toBe(1);
    expect((await call(s, 'GET', '/training?is_draft=false')).body.total).toBe(1);
    expect((await call(s, 'GET', '/training?search=c42')).body.items.map((t: { title: string }) => t.title)).toEqual(['T42']);
    expect((await call(s, 'GET', '/training?is_draft=maybe')).status).toBe(400);
  });
});

describe('segments', () => {
  it('lists and gets segments; ids must be UUIDs', async () => {
    const s = await sandbox();
    const list = await call(s, 'GET', '/contacts/segments?limit=1');
    expect(list.body).toMatchObject({ total: 2, page: 1, limit: 1 });
    expect(list.body.data[0]).toMatchObject({ id: DEFAULT_SEGMENTS[0]?.id, name: 'VIP customers' });
    expect((await call(s, 'GET', `/contacts/segments/${DEFAULT_SEGMENTS[1]?.id}`)).body.name).toBe('Trial users');
    expect((await call(s, 'GET', '/contacts/segments/not-a-uuid')).status).toBe(400);
    expect((await call(s, 'GET', '/contacts/segments/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call(s, 'GET', '/nowhere')).status).toBe(404);
  });

  it('pages strictly, and refuses a key without segments:read', async () => {
    const s = await sandbox({ trainingOnlyKey: 'no-segments' });
    expect((await call(s, 'GET', '/contacts/segments?page=2&limit=1')).body.data[0]).toMatchObject({ name: 'Trial users' });
    for (const q of ['limit=101', 'limit=0', 'page=0', 'offset=1']) expect((await call(s, 'GET', `/contacts/segments?${q}`)).status, q).toBe(400);
    const denied = await fetch(`${s.url}/contacts/segments`, { headers: { authorization: 'Bearer no-segments' } });
    expect(denied.status).toBe(403);
    const trainings = await fetch(`${s.url}/training`, { headers: { authorization: 'Bearer no-segments' } });
    expect(trainings.status).toBe(200);
  });
});

describe('switches', () => {
  it('rate limit: 429 with Retry-After past the limit in a sliding window', async () => {
    const s = await sandbox({ rateLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await call(s, 'GET', '/training')).status).toBe(200);
    const r = await call(s, 'GET', '/training');
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ statusCode: 429, message: 'ThrottlerException: Too Many Requests', error: 'Too Many Requests' });
    const retry = Number(r.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
  });

  it('fail-every N answers every Nth request with 503', async () => {
    const s = await sandbox({ failEvery: 3 });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(s, 'GET', '/training')).status);
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
  });

  it('drop-every N commits the Nth POST, then closes the socket unanswered', async () => {
    const s = await sandbox({ dropEvery: 2 });
    expect((await call(s, 'POST', '/training', minimal)).status).toBe(201);
    await expect(call(s, 'POST', '/training', minimal)).rejects.toThrow();
    expect(s.state.trainings.size).toBe(2);
  });

  it('--data keeps trainings across a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-data-'));
    try {
      const dataFile = path.join(dir, 'data.json');
      const first = await startSandbox({ port: 0, dataFile });
      const { body: t } = await call(first, 'POST', '/training', minimal);
      await first.close();
      const second = await sandbox({ dataFile });
      expect((await call(second, 'GET', `/training/${t.id}`)).body).toEqual(t);
      const { body: u } = await call(second, 'POST', '/training', minimal);
      expect((await call(second, 'GET', '/training')).body.items.map((x: { id: string }) => x.id)).toEqual([u.id, t.id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('opencx-sync sandbox', () => {
  it('prints its URL then its key, and answers requests', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--api-key', 'k1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const url = (await lines.next()).value as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await lines.next()).value).toBe('k1');
      const res = await fetch(`${url}/training`, { headers: { authorization: 'Bearer k1' } });
      expect(await res.json()).toEqual({ items: [], total: 0, limit: 50, offset: 0, has_more: false });
    } finally {
      child.kill();
    }
  });

  it('--data saves every write to the file (write-file-atomic, bundled, names its temporary file after its own)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-data-'));
    const dataFile = path.join(dir, 'data.json');
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--api-key', 'k1', '--data', dataFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = (await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value as string;
      const res = await fetch(`${url}/training`, { method: 'POST', headers: { authorization: 'Bearer k1', 'content-type': 'application/json' }, body: JSON.stringify(minimal) });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      expect(readFileSync(dataFile, 'utf8')).toContain(`"id": "${id}"`);
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--reading switches a behaviour: create-200 answers a create with 200', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--api-key', 'k1', '--reading', 'create-200', '--reading', 'delete-200-body'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = (await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value as string;
      const headers = { authorization: 'Bearer k1', 'content-type': 'application/json' };
      const res = await fetch(`${url}/training`, { method: 'POST', headers, body: JSON.stringify(minimal) });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      expect((await fetch(`${url}/training/${id}`, { method: 'DELETE', headers })).status).toBe(200);
    } finally {
      child.kill();
    }
  });
});

describe('readings (where the docs are silent)', () => {
  const reading = (name: string) => sandbox({ behaviour: behaviourOf([name]) });
  const created = async (s: Sandbox, extra: Record<string, unknown> = {}) =>
    (await call(s, 'POST', '/training', { ...minimal, restricted_to_channels: ['api'], metadata: { m: 1 }, ...extra })).body;

  it('strict: PUT resets omitted fields and stores metadata; the draft endpoint sets the state it is given', async () => {
    const s = await sandbox();
    const t = await created(s);
    expect((await call(s, 'PUT', `/training/${t.id}`, { ...minimal, metadata: { m: 2 } })).body).toMatchObject({ restricted_to_channels: [], metadata: { m: 2 } });
    expect((await call(s, 'PUT', `/training/${t.id}/draft`, { is_draft: true })).body.is_draft).toBe(true);
  });

  it('put-keeps-omitted: an omitted field keeps its value', async () => {
    const s = await reading('put-keeps-omitted');
    const t = await created(s);
    expect((await call(s, 'PUT', `/training/${t.id}`, { ...minimal, content: 'New.' })).body).toMatchObject({ content: 'New.', restricted_to_channels: ['api'], metadata: { m: 1 } });
  });

  it('put-rejects-metadata: 400 naming metadata; without it, the stored metadata stays', async () => {
    const s = await reading('put-rejects-metadata');
    const t = await created(s);
    expect(await call(s, 'PUT', `/training/${t.id}`, { ...minimal, metadata: { m: 2 } })).toMatchObject({ status: 400, body: { message: ['property metadata should not exist'] } });
    expect((await call(s, 'PUT', `/training/${t.id}`, minimal)).body).toMatchObject({ metadata: { m: 1 }, restricted_to_channels: [] });
  });

  it('put-ignores-metadata: 200, and the stored metadata stays', async () => {
    const s = await reading('put-ignores-metadata');
    const t = await created(s);
    expect(await call(s, 'PUT', `/training/${t.id}`, { ...minimal, metadata: { m: 2 } })).toMatchObject({ status: 200, body: { metadata: { m: 1 } } });
  });

  it('create-200: a create answers 200', async () => {
    const s = await reading('create-200');
    expect((await call(s, 'POST', '/training', minimal)).status).toBe(200);
  });

  it('draft-toggles: the draft endpoint flips the state whatever the body says, also with no body', async () => {
    const s = await reading('draft-toggles');
    const t = await created(s);
    expect((await call(s, 'PUT', `/training/${t.id}/draft`, { is_draft: true })).body).toMatchObject({ is_draft: false, current_version: 1 });
    expect((await call(s, 'PUT', `/training/${t.id}/draft`)).body.is_draft).toBe(true);
  });

  it('list-oldest-first: the list starts with the oldest', async () => {
    const s = await reading('list-oldest-first');
    const a = await created(s, { title: 'First one?' });
    const b = await created(s, { title: 'Second one?' });
    expect((await call(s, 'GET', '/training')).body.items.map((t: { id: string }) => t.id)).toEqual([a.id, b.id]);
    const strict = await sandbox();
    const c = await created(strict, { title: 'First one?' });
    const d = await created(strict, { title: 'Second one?' });
    expect((await call(strict, 'GET', '/training')).body.items.map((t: { id: string }) => t.id)).toEqual([d.id, c.id]);
  });

  it('delete-200-body: 200 with the deleted training, then 404', async () => {
    const s = await reading('delete-200-body');
    const t = await created(s);
    expect(await call(s, 'DELETE', `/training/${t.id}`)).toMatchObject({ status: 200, body: { id: t.id } });
    expect((await call(s, 'DELETE', `/training/${t.id}`)).status).toBe(404);
  });

  it('rate-limit-headers: with a limit, every answer carries X-RateLimit-Limit and -Remaining', async () => {
    const s = await sandbox({ behaviour: behaviourOf(['rate-limit-headers']), rateLimit: 5 });
    const r = await call(s, 'GET', '/training');
    expect([r.headers.get('x-ratelimit-limit'), r.headers.get('x-ratelimit-remaining')]).toEqual(['5', '4']);
    expect((await call(await sandbox({ rateLimit: 5 }), 'GET', '/training')).headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('readings that contradict each other are refused, not silently decided by their order', () => {
    // Found by hostile testing: "--reading put-rejects-metadata --reading put-ignores-metadata" ran as
    // put-ignores-metadata alone, without a word.
    expect(() => behaviourOf(['put-rejects-metadata', 'put-ignores-metadata'])).toThrow(/^readings "put-rejects-metadata" and "put-ignores-metadata" contradict each other: pick one$/);
    expect(behaviourOf(['put-ignores-metadata', 'put-ignores-metadata', 'strict'])).toEqual({ putMetadata: 'ignore' });
  });

  it('the sandbox command refuses rate-limit-headers without a rate limit, and contradicting readings', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'opencx-sandbox-'));
    try {
      const noLimit = await runInProcess(['sandbox', '--port', '0', '--rate-limit', '0', '--reading', 'rate-limit-headers'], { cwd: dir });
      expect(noLimit.code).toBe(1);
      expect(noLimit.stderr).toMatch(/--reading rate-limit-headers needs a rate limit: pass --rate-limit above 0/);
      const both = await runInProcess(['sandbox', '--port', '0', '--reading', 'put-rejects-metadata', '--reading', 'put-ignores-metadata'], { cwd: dir });
      expect(both.code).toBe(1);
      expect(both.stderr).toMatch(/readings "put-rejects-metadata" and "put-ignores-metadata" contradict each other: pick one/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown reading name is refused', () => {
    expect(() => behaviourOf(['put-keeps-everything'])).toThrow(/unknown reading "put-keeps-everything"/);
  });

  it('dropWhen commits the chosen request and closes the socket unanswered', async () => {
    const s = await sandbox({ dropWhen: (r) => r.method === 'PUT' });
    const t = await created(s);
    await expect(call(s, 'PUT', `/training/${t.id}`, { ...minimal, content: 'Dropped.' })).rejects.toThrow();
    expect(s.state.trainings.get(t.id)?.content).toBe('Dropped.');
  });
});
