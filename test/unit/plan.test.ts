import { describe, expect, it } from 'vitest';
import { hashFields } from '../../src/core/hash.js';
import { planChanges, type Change } from '../../src/core/plan.js';
import { emptyState } from '../../src/core/state.js';
import { MANAGED_BY, type RemoteTraining, type Training } from '../../src/core/training.js';
import { stateOf, training } from './builders.js';

const brief = (c: Change) => `${c.action} ${c.key}${c.action === 'move' ? ` from ${c.from}` : ''}`;
const plan = (trainings: Training[], state = emptyState('l'), prune = false, skipped: { key: string }[] = []) =>
  planChanges({ trainings, skipped, state, prune });

function remoteOf(t: Training, id = `id-${t.key}`): RemoteTraining {
  const f = t.fields;
  return {
    id, title: f.title, content: f.content, draft_title: null, draft_content: null, type: f.type, is_draft: f.draft,
    directory_id: f.directory, restricted_to_channels: f.channels, restricted_to_segments: f.segments,
    metadata: { managed_by: MANAGED_BY, key: t.key }, start_time: null, end_time: null,
  };
}

describe('planChanges', () => {
  const a = training('a');
  const b = training('b');

  it('creates everything on a first run', () => {
    const p = plan([b, a]);
    expect(p.changes.map(brief)).toEqual(['create a', 'create b']);
    expect(p.summary).toEqual({ create: 2, update: 0, move: 0, delete: 0, unchanged: 0 });
  });

  it('is empty when the files match the state', () => {
    expect(plan([a, b], stateOf([a, b])).changes).toEqual([]);
    expect(plan([a, b], stateOf([a, b])).summary.unchanged).toBe(2);
  });

  it('updates only what changed, listing the changed fields', () => {
    const edited = training('a', { content: 'New', channels: ['web'] });
    const p = plan([edited, b], stateOf([a, b]));
    expect(p.changes.map(brief)).toEqual(['update a']);
    expect(p.changes[0]?.changes).toEqual([
      { field: 'content', before: 'Content', after: 'New' },
      { field: 'channels', before: [], after: ['web'] },
    ]);
  });

  it('treats a renamed file with the same content as a move, not create + delete', () => {
    const renamed = { ...a, key: 'faq/a', path: 'faq/a.md' };
    const p = plan([renamed, b], stateOf([a, b]), true);
    expect(p.changes.map(brief)).toEqual(['move faq/a from a']);
    expect(p.changes[0]).toMatchObject({ id: 'id-a', remote: true, changes: [] });
  });

  it('pairs a renamed and edited file by its trigger phrase', () => {
    const renamed = training('faq/a', { title: 'T a', content: 'Edited' });
    const p = plan([renamed], stateOf([a]), true);
    expect(p.changes.map(brief)).toEqual(['move faq/a from a']);
    expect(p.changes[0]?.changes.map((c) => c.field)).toEqual(['content']);
  });

  it('moves a file whose key is pinned without any request', () => {
    const moved = { ...a, path: 'elsewhere/a.md' };
    const p = plan([moved], stateOf([a]));
    expect(p.changes).toMatchObject([{ action: 'move', key: 'a', from: 'a', remote: false, fromPath: 'a.md', path: 'elsewhere/a.md' }]);
  });

  it('deletes only with prune; otherwise keeps orphans and says so', () => {
    expect(plan([a], stateOf([a, b])).changes).toEqual([]);
    expect(plan([a], stateOf([a, b])).orphans).toEqual([{ key: 'b', path: 'b.md', id: 'id-b' }]);
    const p = plan([a], stateOf([a, b]), true);
    expect(p.changes.map(brief)).toEqual(['delete b']);
    expect(p.orphans).toEqual([]);
  });

  it('never deletes a file marked sync: false', () => {
    expect(plan([a], stateOf([a, b]), true, [{ key: 'b' }]).changes).toEqual([]);
  });

  it('looks up a create that a crashed run may have made', () => {
    const s = stateOf([], { pending: new Map([['a', { path: 'a.md', hash: 'h' }]]) });
    expect(plan([a], s).changes).toMatchObject([{ action: 'create', key: 'a', lookup: true }]);
    // ...and cleans up after one whose file has since gone, only with prune.
    expect(plan([], s, true).changes).toMatchObject([{ action: 'delete', key: 'a', id: null }]);
  });

  describe('renames (the rule: identical fields, then identical content, then identical title; type free)', () => {
    const old = training('old', { title: 'Q?', content: 'Body', type: 'SCENARIO_SPECIFIC' });
    it.each([
      ['only the type changed', { type: 'BEHAVIORAL' as const }],
      ['the title and type changed, same content', { title: 'Other?', type: 'BEHAVIORAL' as const }],
      ['the content and type changed, same title', { content: 'New body', type: 'BEHAVIORAL' as const }],
      ['draft, channels and directory changed, same content', { draft: true, channels: ['web' as const], directory: 'dir-billing' }],
    ])('%s: a move', (_, over) => {
      const renamed = training('new', { ...old.fields, ...over });
      const p = plan([renamed], stateOf([old]), true);
      expect(p.changes.map(brief)).toEqual(['move new from old']);
    });

    it('is a create plus a delete when neither content nor title matches', () => {
      const p = plan([training('new', { title: 'Other?', content: 'Other' })], stateOf([old]), true);
      expect(p.changes.map(brief)).toEqual(['create new', 'delete old']);
    });

    it('pairs by the stronger rule first, across all new files', () => {
      // "a2" sorts first and shares only the title with x; "b2" is x exactly: b2 gets x, a2 gets y by content.
      const x = training('x', { title: 'Same?', content: 'X body' });
      const y = training('y', { title: 'Y?', content: 'Y body' });
      const a2 = training('a2', { title: 'Same?', content: 'Y body' });
      const b2 = training('b2', x.fields);
      expect(plan([a2, b2], stateOf([x, y]), true).changes.map(brief)).toEqual(['move a2 from y', 'move b2 from x']);
    });

    it('never pairs a key with a pending create', () => {
      const s = stateOf([old], { pending: new Map([['new', { path: 'new.md', hash: 'h' }]]) });
      expect(plan([training('new', old.fields)], s, true).changes.map(brief)).toEqual(['create new', 'delete old']);
    });
  });

  describe('keys named like Object.prototype members', () => {
    it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s is created, then unchanged', (key) => {
      const t = training(key);
      expect(plan([t]).changes).toMatchObject([{ action: 'create', key, adopt: null, lookup: false }]);
      expect(plan([t], stateOf([t])).changes).toEqual([]);
      expect(plan([], stateOf([t]), true).changes).toMatchObject([{ action: 'delete', key, id: `id-${key}` }]);
    });
  });

  describe('with a refresh', () => {
    it('reports hand edits and plans to restore the file', () => {
      const remoteA = remoteOf({ ...a, fields: { ...a.fields, content: 'Edited by hand' } });
      const p = planChanges({ trainings: [a, b], skipped: [], state: stateOf([a, b]), prune: false, remote: [remoteA, remoteOf(b)] });
      expect(p.drift).toEqual([{ key: 'a', kind: 'changed', id: 'id-a', changes: [{ field: 'content', before: 'Content', after: 'Edited by hand' }] }]);
      expect(p.changes).toMatchObject([{ action: 'update', key: 'a', drift: 'changed', changes: [{ field: 'content', before: 'Edited by hand', after: 'Content' }] }]);
    });

    it('an edit by hand that matches the file is no conflict', () => {
      const edited = training('a', { content: 'Same on both sides' });
      const p = planChanges({ trainings: [edited], skipped: [], state: stateOf([a]), prune: false, remote: [remoteOf(edited, 'id-a')] });
      expect(p.drift).toMatchObject([{ key: 'a', kind: 'changed' }]);
      expect(p.changes).toMatchObject([{ action: 'update', key: 'a', drift: null, changes: [] }]);
    });

    const emptyStateOf = () => stateOf([]);
    const refreshed = (trainings: Training[], state: ReturnType<typeof stateOf>, remote: RemoteTraining[]) =>
      planChanges({ trainings, skipped: [], state, prune: false, remote });
    const facts = (p: ReturnType<typeof planChanges>) => p.drift?.map((d) => `${d.kind} ${d.key} ${d.id}`);

    it('a twin does not hide a hand edit of the tracked training', () => {
      const edited = training('a', { content: 'File edit' });
      const p = refreshed([edited], stateOf([a]), [remoteOf(training('a', { content: 'Hand edit' })), remoteOf(a, 'id-twin')]);
      expect(facts(p)).toEqual(['changed a id-a', 'twin a id-twin']);
      expect(p.changes).toMatchObject([{ action: 'update', id: 'id-a', drift: 'changed' }]);
    });

    // Found by the model test: ids sort at random, so the first fact could be a later dashboard copy.
    it('adopts the oldest of several trainings carrying a key, never a later copy', () => {
      const at = (id: string, t: string) => ({ ...remoteOf(a, id), created_at: t });
      const copies = [at('id-0-copy', '2026-05-02T00:00:00Z'), at('id-z-original', '2026-05-01T00:00:00Z')];
      expect(refreshed([a], emptyStateOf(), copies).changes).toMatchObject([{ action: 'create', key: 'a', adopt: 'id-z-original' }]);
      expect(refreshed([a], stateOf([a]), copies).changes).toMatchObject([{ action: 'create', key: 'a', drift: 'deleted', adopt: 'id-z-original' }]);
    });

    it('a dead id plus a twin: deleted, and the twin is adopted rather than reported unchanged', () => {
      const p = refreshed([a], stateOf([a]), [remoteOf(a, 'id-twin')]);
      expect(facts(p)).toEqual(['deleted a id-a', 'twin a id-twin']);
      expect(p.changes).toMatchObject([{ action: 'create', key: 'a', drift: 'deleted', adopt: 'id-twin', changes: [] }]);
      expect(p.summary.unchanged).toBe(0);
    });

    it('a training found by id without its tag is "untagged", to re-tag, never a create', () => {
      const p = refreshed([a], stateOf([a]), [{ ...remoteOf(a), metadata: {} }]);
      expect(facts(p)).toEqual(['untagged a id-a']);
      expect(p.changes).toMatchObject([{ action: 'update', id: 'id-a', drift: 'untagged', changes: [] }]);
    });

    it('a remote equal to a recorded update intent is our own write, not drift', () => {
      const written = training('a', { content: 'Written by a killed run' });
      const s = stateOf([a]);
      s.trainings.set('a', { ...(s.trainings.get('a') as NonNullable<ReturnType<typeof s.trainings.get>>), writing: { key: 'a', hashes: [hashFields(written.fields)] } });
      const now = training('a', { content: 'Edited again' });
      const p = refreshed([now], s, [remoteOf(written)]);
      expect(p.drift).toEqual([]);
      expect(p.changes).toMatchObject([{ action: 'update', drift: null, changes: [{ field: 'content', before: 'Written by a killed run', after: 'Edited again' }] }]);
      // The file reverted to what the state last recorded: Open.cx still holds the other write.
      expect(refreshed([a], s, [remoteOf(written)]).changes).toMatchObject([{ action: 'update', key: 'a' }]);
      // Offline, that write may or may not have landed: write the file again.
      expect(plan([a], s).changes).toMatchObject([{ action: 'update', key: 'a' }]);
      // Open.cx holds the file's version by our own write: one more write records it in the state.
      expect(refreshed([written], s, [remoteOf(written)]).changes).toMatchObject([{ action: 'update', drift: null, changes: [] }]);
      // Anything else is still a hand edit.
      expect(facts(refreshed([now], s, [remoteOf(training('a', { content: 'Hand edit' }))]))).toEqual(['changed a id-a']);
    });

    it('recreates a training deleted by hand and adopts one missing from state', () => {
      const p = planChanges({ trainings: [a, b], skipped: [], state: stateOf([a]), prune: false, remote: [remoteOf(b, 'id-x')] });
      expect(p.drift?.map((d) => `${d.kind} ${d.key}`)).toEqual(['deleted a', 'untracked b']);
      expect(p.changes).toMatchObject([
        { action: 'create', key: 'a', drift: 'deleted', adopt: null },
        { action: 'create', key: 'b', adopt: 'id-x', changes: [] },
      ]);
    });
  });
});

describe('the plan fingerprint', () => {
  const fp = (trainings: Training[], state = emptyState('l')) => plan(trainings, state).fingerprint;
  const a = training('a', { content: 'One line.\nTwo.' });

  it('changes with any field of a file, though it reads the fields by their hash', () => {
    const base = fp([a]);
    expect(fp([training('a', { content: 'One line.\nTwo.' })])).toBe(base);
    for (const over of [{ content: 'One line.\nTwo!' }, { title: 'T b' }, { draft: true }, { channels: ['web'] }, { segments: ['s'] }, { active: { from: '2026-01-01T00:00:00Z', until: null } }]) {
      expect(fp([{ ...a, fields: { ...a.fields, ...over } }])).not.toBe(base);
    }
  });

  it('changes with what an update replaces, not only with what it sends', () => {
    const now = training('a', { content: 'New' });
    const fromOne = fp([now], stateOf([training('a', { content: 'Old one' })]));
    const fromTwo = fp([now], stateOf([training('a', { content: 'Old two' })]));
    expect(fromOne).not.toBe(fromTwo);
  });

  it('changes with the path and the action, for the same fields', () => {
    const moved = { ...a, key: 'faq/a', path: 'faq/a.md' };
    expect(fp([moved])).not.toBe(fp([a]));
    expect(fp([a], stateOf([training('a')]))).not.toBe(fp([a]));
  });
});
