// Saved plans (issue 10, item 2): `plan --out` records what the plan was made from, and `apply plan.json`
// applies exactly that plan or refuses before any write. The engine in process against the sandbox.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStateFile } from '../src/io/state-file.js';
import { trainingFile } from './helpers.js';
import { inProcess, type InProcess } from './inprocess.js';

let env: InProcess | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const stateOf = async (e: InProcess) => {
  const s = await readStateFile(path.join(e.ws.dir, 'opencx-sync.state.json'));
  if (!s) throw new Error('no state file');
  return s;
};

describe('the state serial', () => {
  it('moves only when an apply changed something in Open.cx, not when every write failed', async () => {
    env = await inProcess({ 'trainings/a.md': trainingFile('Question A?', 'Answer A.') }, { readOnlyKey: 'read-only-key' });
    expect((await env.apply()).outcomes.map((o) => o.status)).toEqual(['created']);
    const before = await stateOf(env);
    expect(before.serial).toBe(1);

    env.ws.write('trainings/a.md', trainingFile('Question A?', 'Answer A, revised.'));
    const { runApply } = await import('../src/engine.js');
    const readOnly = { ...env.config, apiKey: 'read-only-key' };
    const failed = await runApply(readOnly, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true });
    expect(failed.outcomes.map((o) => o.status)).toEqual(['failed']);
    expect((await stateOf(env)).serial).toBe(before.serial);

    // A second successful apply moves it once, however many changes it made.
    env.ws.write('trainings/b.md', trainingFile('Question B?', 'Answer B.'));
    expect((await env.apply()).outcomes.map((o) => o.status).sort()).toEqual(['created', 'updated']);
    expect((await stateOf(env)).serial).toBe(before.serial + 1);
  });
});
