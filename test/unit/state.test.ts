import { describe, expect, it } from 'vitest';
import { emptyState, nextState, parseState, parseStateEvent, serializeState, tagOfEntry } from '../../src/core/state.js';
import { fields, stateOf, training } from './builders.js';

describe('state', () => {
  it('serialises deterministically: sorted keys, one line per field, trailing newline', () => {
    const s = stateOf([training('b', { channels: ['web', 'email'] }), training('a')]);
    const text = serializeState(s);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"b"'));
    expect(text).toContain('"channels": ["web","email"],');
    expect(serializeState(parseStateOk(text))).toBe(text);
  });

  it('records the tag a training kept when Open.cx took no metadata on PUT, and reads it back', () => {
    let s = emptyState('l');
    s = nextState(s, { type: 'written', key: 'a', id: '1', path: 'a.md', hash: 'h', fields: fields() });
    s = nextState(s, { type: 'written', key: 'b', from: 'a', id: '1', path: 'b.md', hash: 'h', fields: fields(), tag: 'a' });
    s = nextState(s, { type: 'written', key: 'c', id: '2', path: 'c.md', hash: 'h', fields: fields(), tag: null });
    const back = parseStateOk(serializeState(s));
    expect(back.trainings.get('b')?.tag).toBe('a');
    expect(tagOfEntry('b', back.trainings.get('b') as never)).toBe('a');
    expect(tagOfEntry('c', back.trainings.get('c') as never)).toBeUndefined();
    s = nextState(back, { type: 'written', key: 'b', id: '1', path: 'b.md', hash: 'h', fields: fields() });
    expect(tagOfEntry('b', s.trainings.get('b') as never)).toBe('b');
    expect(parseStateEvent({ type: 'written', key: 'b', id: '1', path: 'b.md', hash: 'h', fields: fields(), tag: 'a' })).toMatchObject({ event: { tag: 'a' } });
  });

  it('refuses damaged files instead of treating them as empty', () => {
    const good = serializeState(stateOf([training('a')]));
    expect(parseState(good.slice(0, good.length / 2))).toMatchObject({ error: expect.stringContaining('is not valid JSON') });
    expect(parseState('{"version":1}')).toMatchObject({ error: expect.stringContaining('is damaged') });
    expect(parseState(good.replace('"version": 1', '"version": 7'))).toMatchObject({ error: expect.stringContaining('has version 7') });
  });

  it('follows events: intent, written (with rename), deleted, begin', () => {
    let s = emptyState('l');
    s = nextState(s, { type: 'begin' });
    s = nextState(s, { type: 'intent', key: 'a', path: 'a.md', hash: 'h' });
    expect(s.pending).toEqual(new Map([['a', { path: 'a.md', hash: 'h' }]]));
    s = nextState(s, { type: 'written', key: 'a', id: '1', path: 'a.md', hash: 'h', fields: fields() });
    expect(s.pending.size).toBe(0);
    s = nextState(s, { type: 'written', key: 'b', from: 'a', id: '1', path: 'b.md', hash: 'h', fields: fields() });
    expect([...s.trainings.keys()]).toEqual(['b']);
    s = nextState(s, { type: 'deleted', key: 'b' });
    expect(s).toEqual({ ...emptyState('l'), serial: 1 });
  });
});

describe('update intents', () => {
  it('are recorded on the entry, survive a round trip, and end with the written answer', () => {
    let s = stateOf([training('a')]);
    s = nextState(s, { type: 'writing', key: 'a', to: 'b', hashes: ['h1', 'h2'] });
    expect(s.trainings.get('a')?.writing).toEqual({ key: 'b', hashes: ['h1', 'h2'] });
    const text = serializeState(s);
    expect(text).toContain('"writing": {');
    expect(parseStateOk(text)).toEqual(s);
    s = nextState(s, { type: 'written', key: 'b', from: 'a', id: 'id-a', path: 'b.md', hash: 'h1', fields: fields() });
    expect([...s.trainings.keys()]).toEqual(['b']);
    expect(s.trainings.get('b')?.writing).toBeUndefined();
    expect(serializeState(s)).not.toContain('writing');
  });

  it('for an entry that is not tracked change nothing', () => {
    const s = stateOf([training('a')]);
    expect(nextState(s, { type: 'writing', key: 'x', to: 'x', hashes: ['h'] })).toEqual(s);
  });
});

describe('a damaged entry', () => {
  it('names the key and the field', () => {
    const text = serializeState(stateOf([training('constructor')])).replace('"id": "id-constructor"', '"id": 5');
    expect(parseState(text)).toMatchObject({ error: expect.stringContaining('trainings.constructor.id') });
  });
});

function parseStateOk(text: string) {
  const r = parseState(text);
  if ('error' in r) throw new Error(r.error);
  return r.state;
}
