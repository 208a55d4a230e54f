// applyPlan as a table: outcomes, the state events (intent before each create, the result after each
// write), ordering (deletes last, and only on a clean run) and cancellation. The Remote is the real one
// over HTTP against the sandbox; the state is an in-memory StateSink built on the core's applyEvent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, type ApplyOptions, type StateSink } from '../src/apply.js';
import { hashFields } from '../src/core/hash.js';
import type { Outcome } from '../src/core/outcome.js';
import { planChanges, type Change } from '../src/core/plan.js';
import { applyEvent, emptyState, type State, type StateEvent } from '../src/core/state.js';
import { fieldsOfRemote, toPayload, type Training } from '../src/core/training.js';
import { ApiClient } from '../src/io/api.js';
import { OpencxRemote } from '../src/io/remote.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY } from './helpers.js';
import { training } from './unit/builders.js';

/** The state in memory: every commit applied with the core's applyEvent, and kept in order. */
function memorySink(state: State, failOn?: (e: StateEvent) => boolean): StateSink & { events: StateEvent[] } {
  const events: StateEvent[] = [];
  return {
    state,
    events,
    commit: async (e) => {
      if (failOn?.(e)) throw new Error(`could not write the state file (${e.type})`);
      applyEvent(state, e);
      events.push(e);
    },
  };
}

let sandbox: Sandbox;
let api: ApiClient;
let remote: OpencxRemote;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, directories: [{ id: 'dir-billing', name: 'Billing' }] });
  api = client(KEY);
  remote = new OpencxRemote(api);
});

afterEach(async () => {
  await api.close();
  await sandbox.close();
});

function client(apiKey: string): ApiClient {
  return new ApiClient({ baseUrl: sandbox.url, apiKey, rateLimit: 0, concurrency: 4, timeoutMs: 5_000, attempts: 2, retryBaseMs: 5, retryMaxMs: 20, userAgent: 'opencx-sync-test' });
}

/** Made in Open.cx as an earlier apply would have, and tracked in `state` under its key. */
async function applied(state: State, t: Training): Promise<string> {
  const made = await remote.create(toPayload(t.key, t.fields, state.namespace));
  const fields = fieldsOfRemote(made);
  state.trainings.set(t.key, { id: made.id, path: t.path, hash: hashFields(fields), applied: fields });
  sandbox.state.requests.length = 0;
  return made.id;
}

const plan = (trainings: Training[], state: State, prune = false): Change[] => planChanges({ trainings, skipped: [], state, prune }).changes;
const opts = (over: Partial<ApplyOptions> = {}): ApplyOptions => ({ onDrift: 'fail', concurrency: 4, createAttempts: 2, refreshed: false, ...over });
const brief = (o: Outcome) => `${o.status} ${o.change.key}${o.status === 'failed' ? `: ${o.message}` : o.status === 'skipped' ? `: ${o.reason}` : ''}`;
const writes = () => sandbox.state.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(/(\/training)\/[^/]+/, '$1/:id')}`);
const kinds = (events: StateEvent[], key: string) => events.filter((e) => 'key' in e && e.key === key).map((e) => e.type);

describe('applyPlan', () => {
  it('creates with the intent recorded before the request and the result after it', async () => {
    const state = emptyState('l');
    const sink = memorySink(state);
    const out = await applyPlan(plan([training('a'), training('b')], state), remote, sink, opts());
    expect(out.map(brief)).toEqual(['created a', 'created b']);
    expect(kinds(sink.events, 'a')).toEqual(['intent', 'written']);
    expect(kinds(sink.events, 'b')).toEqual(['intent', 'written']);
    expect([...state.trainings.keys()].sort()).toEqual(['a', 'b']);
    expect(state.pending.size).toBe(0);
    expect(writes()).toEqual(['POST /training', 'POST /training']);
  });

  it('deletes only after every write, and reports outcomes in that order', async () => {
    const state = emptyState('l');
    const goneId = await applied(state, training('gone', { content: 'A rule no file has any more' }));
    const out = await applyPlan(plan([training('a')], state, true), remote, memorySink(state), opts({ concurrency: 1 }));
    expect(out.map(brief)).toEqual(['created a', 'deleted gone']);
    expect(writes()).toEqual(['POST /training', 'DELETE /training/:id']);
    expect(sandbox.state.trainings.has(goneId)).toBe(false);
    expect(state.trainings.has('gone')).toBe(false);
  });

  it('a failed write skips every delete, and a refused create drops its intent', async () => {
    const state = emptyState('l');
    await applied(state, training('gone', { content: 'A rule no file has any more' }));
    const sink = memorySink(state);
    const out = await applyPlan(plan([training('a', { directory: 'dir-unknown' })], state, true), remote, sink, opts());
    expect(out.map((o) => o.status)).toEqual(['failed', 'skipped']);
    expect(brief(out[1] as Outcome)).toBe('skipped gone: not deleted: other changes failed in this run');
    expect(kinds(sink.events, 'a')).toEqual(['intent', 'intent-dropped']);
    expect(writes()).toEqual(['POST /training']);
    expect(state.trainings.has('gone')).toBe(true);
  });

  it.each([
    ['fail', 'failed', [] as string[]],
    ['skip', 'skipped', [] as string[]],
    ['overwrite', 'updated', ['PUT /training/:id']],
  ] as const)('a dashboard edit met by an update, --on-drift %s: %s', async (onDrift, status, sent) => {
    const state = emptyState('l');
    const id = await applied(state, training('a'));
    const record = sandbox.state.trainings.get(id);
    if (!record) throw new Error('not seeded');
    sandbox.state.trainings.set(id, { ...record, content: 'Edited in the dashboard' });
    const sink = memorySink(state);
    const [o] = await applyPlan(plan([training('a', { content: 'From the file' })], state), remote, sink, opts({ onDrift }));
    expect(o?.status).toBe(status);
    expect(writes()).toEqual(sent);
    // The write is announced before it is sent, so a run killed after the PUT knows the result as its own.
    expect(kinds(sink.events, 'a')).toEqual(status === 'updated' ? ['writing', 'written'] : []);
    expect(sandbox.state.trainings.get(id)?.content).toBe(status === 'updated' ? 'From the file' : 'Edited in the dashboard');
  });

  it('aborted before it starts: nothing is attempted, nothing recorded', async () => {
    const state = emptyState('l');
    const sink = memorySink(state);
    const out = await applyPlan(plan([training('a'), training('b')], state), remote, sink, opts({ signal: AbortSignal.abort() }));
    expect(out.map(brief)).toEqual(['skipped a: not attempted: interrupted', 'skipped b: not attempted: interrupted']);
    expect(sink.events).toEqual([]);
    expect(writes()).toEqual([]);
  });

  it('aborted mid-run: what started finishes and is recorded, the rest is skipped', async () => {
    const state = emptyState('l');
    const stop = new AbortController();
    const sink = memorySink(state);
    const seen: string[] = [];
    const out = await applyPlan(plan([training('a'), training('b'), training('c')], state), remote, sink, opts({
      concurrency: 1,
      signal: stop.signal,
      onOutcome: (o, done, total) => {
        seen.push(`${done}/${total} ${o.status}`);
        stop.abort();
      },
    }));
    expect(out.map((o) => o.status)).toEqual(['created', 'skipped', 'skipped']);
    expect(seen).toEqual(['1/3 created', '2/3 skipped', '3/3 skipped']);
    expect([...state.trainings.keys()]).toEqual(['a']);
    expect(writes()).toEqual(['POST /training']);
  });

  it('a state that cannot record the intent fails the change before anything is sent', async () => {
    const state = emptyState('l');
    const sink = memorySink(state, (e) => e.type === 'intent');
    const out = await applyPlan(plan([training('a')], state), remote, sink, opts());
    expect(out.map(brief)).toEqual(['failed a: could not write the state file (intent)']);
    expect(writes()).toEqual([]);
  });

  it('a refused key fails the first change and leaves the rest unattempted', async () => {
    await api.close();
    api = client('wrong-key-123');
    remote = new OpencxRemote(api);
    const state = emptyState('l');
    const out = await applyPlan(plan([training('a'), training('b'), training('c')], state), remote, memorySink(state), opts({ concurrency: 1 }));
    expect(out.map((o) => o.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(brief(out[1] as Outcome)).toBe('skipped b: not attempted: the API refused the key (401)');
    expect(sandbox.state.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
