import { describe, expect, it } from 'vitest';
import { checkNamespace, inNamespace, namespaceOfTag, otherNamespaceOf, tagOf } from '../../src/core/namespace.js';
import { detectDrift, planChanges } from '../../src/core/plan.js';
import { parseState, serializeState } from '../../src/core/state.js';
import { fieldsOfRemote, keyOfRemote, toPayload, type RemoteTraining } from '../../src/core/training.js';
import { stateOf, training } from './builders.js';

function remote(key: string, managedBy: string, id = `id-${key}`): RemoteTraining {
  const t = training(key);
  return {
    id, title: t.fields.title, content: t.fields.content, draft_title: null, draft_content: null, type: t.fields.type,
    is_draft: false, directory_id: null, restricted_to_channels: [], restricted_to_segments: [], metadata: { managed_by: managedBy, key },
    start_time: null, end_time: null,
  };
}

describe('namespace tags', () => {
  it('the default namespace keeps the tag opencx-sync always wrote; others add ":<namespace>"', () => {
    expect(tagOf('')).toBe('opencx-sync');
    expect(tagOf('billing')).toBe('opencx-sync:billing');
    expect(toPayload('k', fieldsOfRemote(remote('k', 'x')), '').metadata).toEqual({ managed_by: 'opencx-sync', key: 'k' });
    expect(toPayload('k', fieldsOfRemote(remote('k', 'x')), 'billing').metadata).toEqual({ managed_by: 'opencx-sync:billing', key: 'k' });
  });

  it('reads a tag back to its namespace; anything else is not opencx-sync\'s', () => {
    expect(namespaceOfTag('opencx-sync')).toBe('');
    expect(namespaceOfTag('opencx-sync:billing')).toBe('billing');
    for (const v of ['opencx-sync:', 'opencx-sync:Bad Name', 'opencx-syncx', 'kb-sync', 7, null, undefined]) expect(namespaceOfTag(v)).toBeUndefined();
    expect(otherNamespaceOf({ managed_by: 'opencx-sync:billing' }, 'product')).toBe('billing');
    expect(otherNamespaceOf({ managed_by: 'opencx-sync' }, 'product')).toBe('');
    expect(otherNamespaceOf({ managed_by: 'opencx-sync:product' }, 'product')).toBeUndefined();
    expect(otherNamespaceOf({ managed_by: 'kb-sync' }, '')).toBeUndefined();
  });

  it('a key counts only under its own namespace', () => {
    expect(keyOfRemote(remote('a', 'opencx-sync:billing'), 'billing')).toBe('a');
    expect(keyOfRemote(remote('a', 'opencx-sync:billing'), '')).toBeUndefined();
    expect(keyOfRemote(remote('a', 'opencx-sync'), 'billing')).toBeUndefined();
  });

  it('checks values: lowercase letters, digits, - and _ inside, at most 40', () => {
    for (const ok of ['', 'billing', 'a', 'web-app_2', 'x'.repeat(40)]) expect(checkNamespace(ok)).toBeUndefined();
    for (const bad of ['Billing', 'a:b', '-a', 'a-', 'a b', 'é', 'x'.repeat(41), 'a\n']) expect(checkNamespace(bad)).toBeDefined();
  });

  it('offers the value meant when only case or surrounding spaces are wrong', () => {
    expect(checkNamespace('Billing')).toMatch(/: did you mean "billing"\?$/);
    expect(checkNamespace(' web-app ')).toMatch(/: did you mean "web-app"\?$/);
    expect(checkNamespace('a:b')).not.toContain('did you mean');
  });
});

describe('drift across namespaces', () => {
  it('another namespace\'s training with a tracked or an unknown key is neither a twin nor untracked', () => {
    const state = { ...stateOf([training('a')]), namespace: 'billing' };
    const mine = remote('a', 'opencx-sync:billing');
    const theirs = [remote('a', 'opencx-sync:product', 'p-a'), remote('b', 'opencx-sync', 'd-b')];
    expect(detectDrift(state, [mine, ...theirs])).toEqual([]);
    // The same trainings seen by the default namespace: "b" is its own untracked training.
    expect(detectDrift(stateOf([]), [mine, ...theirs]).map((d) => `${d.kind} ${d.key} ${d.id}`)).toEqual(['untracked b d-b']);
    const plan = planChanges({ trainings: [training('a')], skipped: [], state, prune: true, remote: [mine, ...theirs] });
    expect(plan.changes).toEqual([]);
  });
});

describe('the state\'s namespace', () => {
  it('version 1 reads as the default namespace and is written back as version 1, byte for byte', () => {
    const text = serializeState(stateOf([training('a')]));
    expect(text).toContain('"version": 1');
    expect(text).not.toContain('namespace');
    const r = parseState(text);
    if ('error' in r) throw new Error(r.error);
    expect(r.state.namespace).toBe('');
    expect(serializeState(r.state)).toBe(text);
  });

  it('a namespaced state is version 2 with its namespace; a bad or missing one is damage', () => {
    const text = serializeState({ ...stateOf([training('a')]), namespace: 'billing' });
    expect(text).toContain('"namespace": "billing"');
    expect(text).toContain('"version": 2');
    const r = parseState(text);
    expect('state' in r && r.state.namespace).toBe('billing');
    expect(parseState(text.replace('"billing"', '"Bad Name"'))).toMatchObject({ error: expect.stringContaining('is damaged at namespace') });
    expect(parseState(text.replace('"namespace": "billing",', ''))).toMatchObject({ error: expect.stringContaining('is damaged') });
    expect(parseState(serializeState(stateOf([])).replace('"lineage"', '"namespace": "x", "lineage"'))).toMatchObject({ error: expect.stringContaining('is damaged') });
    // Hand edits that mean the default namespace, said in its terms rather than zod's.
    expect(parseState(text.replace('"billing"', '""'))).toMatchObject({ error: expect.stringContaining('namespace: is empty: a state of the default namespace is version 1, without "namespace"') });
    expect(parseState(serializeState(stateOf([])).replace('"lineage"', '"namespace": "", "lineage"'))).toMatchObject({
      error: expect.stringContaining('"namespace" is only in version 2: remove it for the default namespace, or set "version": 2'),
    });
  });

  it('a state that tracks nothing takes the configured namespace; one that tracks trainings refuses another', () => {
    expect(inNamespace(stateOf([]), 'billing')).toMatchObject({ state: { namespace: 'billing' } });
    expect(inNamespace(stateOf([training('a')]), '')).toMatchObject({ state: { namespace: '' } });
    expect(inNamespace(stateOf([training('a'), training('b')]), 'billing')).toEqual({
      error: expect.stringMatching(/^tracks 2 trainings of the default namespace, but namespace "billing" is configured: .* tagged "opencx-sync"\)\. Set the namespace back to empty/),
    });
  });
});

describe('the config schema', () => {
  it('takes the namespaces the config takes, for editors', async () => {
    const { readFileSync } = await import('node:fs');
    const schema = JSON.parse(readFileSync(new URL('../../schema/config.schema.json', import.meta.url), 'utf8')) as { properties: { namespace: { pattern: string; maxLength: number } } };
    const { pattern, maxLength } = schema.properties.namespace;
    for (const v of ['', 'billing', 'a', 'web-app_2', 'x'.repeat(40), 'Billing', 'a:b', '-a', 'a-', 'a b', 'x'.repeat(41)]) {
      expect(new RegExp(pattern).test(v) && v.length <= maxLength, v).toBe(checkNamespace(v) === undefined);
    }
  });
});
