// Drift that real edit sequences produce: twins carrying a key, a dropped tag, a rename with a type
// change. The engine in process against the sandbox; dashboard edits made in the sandbox's records.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, KEY, trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';
import { runStateRebuild } from '../src/engine.js';

// Sorts after any random UUID, so a twin's drift record comes last for its key.
const TWIN = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

let env: InProcess | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function applied(files: Record<string, string>) {
  env = await inProcess(files);
  const first = await env.apply();
  expect(first.outcomes.map((o) => o.status)).toEqual(Object.keys(files).map(() => 'created'));
  return env;
}

const only = <T>(xs: T[]): T => {
  expect(xs).toHaveLength(1);
  return xs[0] as T;
};

describe('a twin carrying the same key (issue 8, item 2)', () => {
  it('does not hide a hand edit: the default apply refuses to overwrite it, and plan reports both facts', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const tracked = only(e.withKey('a'));
    e.edit(tracked.id, { content: 'Edited by hand.' });
    e.duplicate(tracked.id, TWIN);
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));

    const { plan } = await e.plan();
    expect(plan?.drift?.map((d) => `${d.kind} ${d.key} ${d.id}`)).toEqual([`changed a ${tracked.id}`, `twin a ${TWIN}`]);
    expect(plan?.changes).toMatchObject([{ action: 'update', key: 'a', id: tracked.id, drift: 'changed' }]);

    const r = await e.apply();
    expect(r.outcomes).toMatchObject([{ status: 'failed', message: expect.stringContaining('edited in Open.cx') }]);
    expect(e.sandbox.state.trainings.get(tracked.id)?.content).toBe('Edited by hand.');
    expect(e.writes().filter((w) => w.startsWith('PUT'))).toEqual([]);
  });

  it('a dead id plus a twin: reported as deleted, and overwrite adopts the twin instead of 404ing or copying', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const tracked = only(e.withKey('a'));
    e.duplicate(tracked.id, TWIN);
    e.sandbox.state.trainings.delete(tracked.id);

    const { plan } = await e.plan();
    expect(plan?.drift?.map((d) => `${d.kind} ${d.key} ${d.id}`)).toEqual([`deleted a ${tracked.id}`, `twin a ${TWIN}`]);
    expect(plan?.changes).toMatchObject([{ action: 'create', key: 'a', drift: 'deleted', adopt: TWIN }]);
    expect(plan?.summary.unchanged).toBe(0);

    expect((await e.apply()).outcomes).toMatchObject([{ status: 'failed', message: expect.stringContaining('deleted in Open.cx') }]);
    const forced = await e.apply({ onDrift: 'overwrite' });
    expect(forced.outcomes).toMatchObject([{ status: 'adopted', id: TWIN }]);
    expect(e.writes().filter((w) => w.startsWith('POST'))).toEqual(['POST /training']);
    expect(only(e.withKey('a')).id).toBe(TWIN);
    expect((await e.plan()).plan?.changes).toEqual([]);
  });

  it('a dead id plus a twin with --no-refresh --on-drift overwrite: the edit lands on the twin, no copy is made', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const tracked = only(e.withKey('a'));
    e.duplicate(tracked.id, TWIN);
    e.sandbox.state.trainings.delete(tracked.id);
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));

    const r = await e.apply({ refresh: false, onDrift: 'overwrite' });
    expect(r.outcomes).toMatchObject([{ status: 'adopted', id: TWIN }]);
    expect(e.writes().filter((w) => w.startsWith('POST'))).toEqual(['POST /training']);
    expect(only(e.withKey('a'))).toMatchObject({ id: TWIN, content: 'Answer A, revised.' });
    expect((await e.plan()).plan?.changes).toEqual([]);
  });
});

describe('a training whose tag was dropped in the dashboard (issue 8, item 3)', () => {
  it('is "tag removed", not deleted; overwrite re-tags it with a PUT and never creates', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const tracked = only(e.withKey('a'));
    e.edit(tracked.id, { metadata: {} });

    const { plan } = await e.plan();
    expect(plan?.drift).toMatchObject([{ kind: 'untagged', key: 'a', id: tracked.id }]);
    expect(plan?.changes).toMatchObject([{ action: 'update', key: 'a', id: tracked.id, drift: 'untagged' }]);

    expect((await e.apply()).outcomes).toMatchObject([{ status: 'failed', message: expect.stringContaining('tag') }]);
    expect(e.sandbox.state.trainings.get(tracked.id)?.metadata).toEqual({});
    const forced = await e.apply({ onDrift: 'overwrite' });
    expect(forced.outcomes).toMatchObject([{ status: 'updated', id: tracked.id }]);
    expect(e.writes()).toEqual(['POST /training', `PUT /training/${tracked.id}`]);
    expect(e.records()).toHaveLength(1);
    expect(only(e.withKey('a')).id).toBe(tracked.id);
    expect((await e.plan()).plan?.changes).toEqual([]);
  });

  it('with --no-refresh, an edited file still goes to the same training by id', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const tracked = only(e.withKey('a'));
    e.edit(tracked.id, { metadata: {} });
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    expect((await e.apply({ refresh: false })).outcomes).toMatchObject([{ status: 'failed', message: expect.stringContaining('tag') }]);
    expect((await e.apply({ refresh: false, onDrift: 'overwrite' })).outcomes).toMatchObject([{ status: 'updated', id: tracked.id }]);
    expect(e.records()).toHaveLength(1);
    expect(only(e.withKey('a')).content).toBe('Answer A, revised.');
  });
});

describe('a rename with a type change (issue 8, item 5)', () => {
  it('moves the training: same title and body, new type and file name, no create and no orphan', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const tracked = only(e.withKey('a'));
    e.ws.remove('trainings/a.md');
    e.ws.write('trainings/b.md', trainingFile('Question A?', 'Answer A.', { type: 'BEHAVIORAL' }));

    const { plan } = await e.plan({ prune: true });
    expect(plan?.changes).toMatchObject([{ action: 'move', key: 'b', from: 'a', id: tracked.id }]);
    const r = await e.apply({ prune: true });
    expect(r.outcomes).toMatchObject([{ status: 'moved', id: tracked.id }]);
    expect(e.records()).toHaveLength(1);
    expect(only(e.withKey('b'))).toMatchObject({ id: tracked.id, type: 'BEHAVIORAL' });
    expect(e.writes().filter((w) => !w.startsWith('PUT'))).toEqual(['POST /training']);
  });
});

/**
 * Runs the built CLI's apply and kills it after its first PUT (to a path matching `path`) landed but
 * before it could record the answer: frozen as the PUT arrives, killed once the sandbox answered it.
 */
function killedAfterFirstPut(path = /^\/training\/[^/]+$/) {
  let child: ChildProcess | undefined;
  let frozen = false;
  const hit = (q: { method: string; path: string }) => q.method === 'PUT' && path.test(q.path) && child !== undefined;
  const hooks = {
    onRequest: (q: { method: string; path: string }) => {
      if (hit(q) && !frozen) frozen = child?.kill('SIGSTOP') ?? false;
    },
    onResponse: (q: { method: string; path: string }) => {
      if (hit(q) && frozen) child?.kill('SIGKILL');
    },
  };
  const run = (e: InProcess) => {
    const c = (child = spawn(process.execPath, [CLI, 'apply', '--yes', '--rate-limit', '0'], {
      cwd: e.ws.dir, env: { PATH: process.env.PATH, OPENCX_API_URL: e.sandbox.url, OPENCX_API_KEY: KEY }, stdio: 'ignore',
    }));
    return new Promise<NodeJS.Signals | null>((resolve) => c.on('close', (_code, signal) => resolve(signal)));
  };
  return { hooks, run };
}

describe('an update killed after the PUT landed (issue 8, item 7)', () => {
  it('the next run recognises its own write: no "edited in Open.cx" after the file is edited again', async () => {
    const kill = killedAfterFirstPut();
    const e = (env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') }, kill.hooks));
    expect((await e.apply()).outcomes).toMatchObject([{ status: 'created' }]);
    const tracked = only(e.withKey('a'));
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer B.'));
    expect(await kill.run(e)).toBe('SIGKILL');
    expect(e.sandbox.state.trainings.get(tracked.id)?.content).toBe('Answer B.');

    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer C.'));
    const { plan } = await e.plan();
    expect(plan?.drift).toEqual([]);
    expect(plan?.changes).toMatchObject([{ action: 'update', key: 'a', drift: null }]);
    const r = await e.apply();
    expect(r.outcomes).toMatchObject([{ status: 'updated', id: tracked.id }]);
    expect(only(e.withKey('a')).content).toBe('Answer C.');
    expect((await e.plan()).plan).toMatchObject({ changes: [], drift: [] });
  });

  it('the same after a killed rename, and with --no-refresh', async () => {
    const kill = killedAfterFirstPut();
    const e = (env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') }, kill.hooks));
    await e.apply();
    const tracked = only(e.withKey('a'));
    e.ws.remove('trainings/a.md');
    e.ws.write('trainings/b.md', trainingFile('Question A?', 'Answer B.'));
    expect(await kill.run(e)).toBe('SIGKILL');
    expect(only(e.withKey('b'))).toMatchObject({ id: tracked.id, content: 'Answer B.' });

    e.ws.write('trainings/b.md', trainingFile('Question A?', 'Answer C.'));
    const r = await e.apply({ refresh: false, prune: true });
    expect(r.outcomes).toMatchObject([{ status: 'moved', id: tracked.id }]);
    expect(only(e.withKey('b')).content).toBe('Answer C.');
    expect(e.records()).toHaveLength(1);
    expect((await e.plan()).plan).toMatchObject({ changes: [], drift: [] });
  });

  it('the same when the kill comes after the draft toggle that follows a type change', async () => {
    const kill = killedAfterFirstPut(/\/draft$/);
    const e = (env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') }, kill.hooks));
    await e.apply();
    const tracked = only(e.withKey('a'));
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A.', { type: 'BEHAVIORAL' }));
    expect(await kill.run(e)).toBe('SIGKILL');
    expect(only(e.withKey('a'))).toMatchObject({ type: 'BEHAVIORAL', is_draft: false });

    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer C.', { type: 'BEHAVIORAL' }));
    expect((await e.plan()).plan?.drift).toEqual([]);
    expect((await e.apply()).outcomes).toMatchObject([{ status: 'updated', id: tracked.id }]);
    expect((await e.plan()).plan).toMatchObject({ changes: [], drift: [] });
  });

  it('a hand edit after such a killed update is still drift', async () => {
    const kill = killedAfterFirstPut();
    const e = (env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') }, kill.hooks));
    await e.apply();
    const tracked = only(e.withKey('a'));
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer B.'));
    expect(await kill.run(e)).toBe('SIGKILL');
    e.edit(tracked.id, { content: 'Edited by hand.' });
    e.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer C.'));
    expect((await e.apply()).outcomes).toMatchObject([{ status: 'failed', message: expect.stringContaining('edited in Open.cx') }]);
    expect((await e.apply({ refresh: false })).outcomes).toMatchObject([{ status: 'failed', message: expect.stringContaining('edited in Open.cx') }]);
    expect(e.sandbox.state.trainings.get(tracked.id)?.content).toBe('Edited by hand.');
  });
});

describe('state rebuild with a dashboard copy (found by the model test)', () => {
  it('tracks the oldest training of a key, not the copy the listing shows first', async () => {
    const e = await applied({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') });
    const original = only(e.withKey('a'));
    // A copy made later in the dashboard: the API lists newest first, so it comes first.
    e.duplicate(original.id, TWIN);
    e.edit(TWIN, { created_at: new Date(Date.parse(original.created_at) + 60_000).toISOString() });
    e.ws.remove('opencx-sync.state.json');
    const rebuilt = await runStateRebuild(e.config, { force: false });
    expect(rebuilt.state.trainings.get('a')?.id).toBe(original.id);
    expect(rebuilt.duplicates).toEqual([{ key: 'a', ids: [original.id, TWIN] }]);
  });
});

describe('state rebuild of a file that owns the active window (found combining import, rebuild and drift)', () => {
  const file = '---\ntitle: Reset?\nactive:\n  from: 2026-12-01T00:00:00Z\n---\nGo to settings.\n';

  it('records the window, so a dashboard edit of it is drift, not silently overwritten', async () => {
    const e = await applied({ 'trainings/a.md': file });
    const id = only(e.withKey('a')).id;
    e.ws.remove('opencx-sync.state.json');
    const rebuilt = await runStateRebuild(e.config, { force: false });
    expect(rebuilt.state.trainings.get('a')?.applied.active).toEqual({ from: '2026-12-01T00:00:00.000Z', until: null });
    // Offline, the rebuilt state matches the file: no update that apply would never record.
    expect((await e.plan({ refresh: false })).plan?.changes).toEqual([]);
    // The window moved in the dashboard: drift the apply refuses by default.
    e.edit(id, { start_time: '2026-12-24T00:00:00.000Z' });
    const { plan } = await e.plan();
    expect(plan?.drift).toMatchObject([{ kind: 'changed', key: 'a', id }]);
    expect(plan?.changes).toMatchObject([{ action: 'update', key: 'a', drift: 'changed' }]);
  });
});
