// Keys named like Object.prototype members (issue 8, item 4): each is one training, created once,
// and a second apply sends nothing. The engine in process against the sandbox.
import { afterEach, describe, expect, it } from 'vitest';
import { parseState, serializeState } from '../src/core/state.js';
import { runStateRebuild } from '../src/engine.js';
import { trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';

const NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__proto__', '__defineGetter__'];

let env: InProcess | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const cases: [string, Record<string, string>, string[]][] = [
  ['file names', Object.fromEntries(NAMES.map((n) => [`trainings/${n}.md`, trainingFile(`Question ${n}?`, `Answer ${n}.`)])), NAMES],
  [
    'pinned keys',
    Object.fromEntries(NAMES.map((n, i) => [`trainings/file-${i}.md`, trainingFile(`Question ${n}?`, `Answer ${n}.`, { key: n })])),
    NAMES,
  ],
  ['nested paths', { 'trainings/__proto__/constructor.md': trainingFile('Nested?', 'Nested.') }, ['__proto__/constructor']],
];

describe.each(cases)('keys named like Object.prototype members, as %s', (_, files, keys) => {
  it('plan creates each, apply creates each once, a second apply sends nothing', async () => {
    const e = (env = await inProcess(files));
    const offline = (await e.plan({ refresh: false })).plan;
    expect(offline?.changes.map((c) => `${c.action} ${c.key}`)).toEqual([...keys].sort((a, b) => a.localeCompare(b)).map((k) => `create ${k}`));

    const first = await e.apply();
    expect(first.outcomes.filter((o) => o.status !== 'created')).toEqual([]);
    expect(first.outcomes).toHaveLength(keys.length);
    const state = parseState(e.ws.read('opencx-sync.state.json'));
    if ('error' in state) throw new Error(state.error);
    expect([...state.state.trainings.keys()].sort()).toEqual([...keys].sort());
    for (const k of keys) expect(state.state.trainings.get(k)?.id).toBe(only(e.withKey(k)).id);

    const before = e.writes().length;
    const second = await e.apply();
    expect(second.outcomes).toEqual([]);
    expect(e.writes().slice(before)).toEqual([]);
    expect((await e.plan({ refresh: false })).plan?.changes).toEqual([]);
    expect((await e.plan({ refresh: true })).plan).toMatchObject({ changes: [], drift: [] });
    for (const k of keys) expect(e.withKey(k)).toHaveLength(1);
    expect(e.records()).toHaveLength(keys.length);

    // A lost state file is rebuilt with every key, and the plan is empty again.
    e.ws.remove('opencx-sync.state.json');
    const rebuilt = await runStateRebuild(e.config, { force: false });
    expect([...rebuilt.state.trainings.keys()].sort()).toEqual([...keys].sort());
    expect((await e.plan({ refresh: true })).plan).toMatchObject({ changes: [], drift: [] });
  });
});

describe('the state file with a "__proto__" key', () => {
  it('survives a parse/serialize round trip as an own key', () => {
    const text = serializeState({
      version: 1,
      namespace: '',
      lineage: 'l',
      serial: 1,
      trainings: new Map([['__proto__', { id: 'id-1', path: '__proto__.md', hash: 'h', applied: { title: 'T', content: 'C', type: 'SCENARIO_SPECIFIC', draft: false, directory: null, channels: [], segments: [] } }]]),
      pending: new Map([['constructor', { path: 'constructor.md', hash: 'h2' }]]),
    });
    expect(text).toContain('"__proto__": {');
    const parsed = parseState(text);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.state.trainings.get('__proto__')?.id).toBe('id-1');
    expect(parsed.state.pending.get('constructor')?.hash).toBe('h2');
    expect(parsed.state.trainings.has('constructor')).toBe(false);
    expect(serializeState(parsed.state)).toBe(text);
  });
});

function only<T>(xs: T[]): T {
  expect(xs).toHaveLength(1);
  return xs[0] as T;
}
