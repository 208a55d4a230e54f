import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { validateTrainingSet } from '../../src/core/validate.js';
import { training } from './builders.js';

describe('resolveConfig', () => {
  const file = { path: 'opencx-sync.config.json', text: JSON.stringify({ dir: 'from-file', state: 'file.json', apiUrl: 'https://file.example' }) };

  it('takes flags over environment over file', () => {
    const c = resolveConfig({ cwd: '/r', file, env: { OPENCX_SYNC_DIR: 'from-env', OPENCX_API_URL: 'https://env.example' }, flags: { dir: 'from-flag' } });
    expect([c.dir, c.statePath, c.apiUrl]).toEqual(['from-flag', 'file.json', 'https://env.example']);
  });

  it('reports every problem at once', () => {
    const bad = { path: 'c.json', text: JSON.stringify({ dirr: 'x', ignore: 'no' }) };
    let message = '';
    try {
      resolveConfig({ cwd: '/r', file: bad, env: {}, flags: { concurrency: 0, apiUrl: 'http://api.open.cx' } });
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^c\.json: top level: unknown key dirr/),
      expect.stringMatching(/^c\.json: ignore: /),
      expect.stringMatching(/must use https:\/\//),
      '--concurrency must be a whole number from 1 to 32, not 0',
    ]));
  });

  it('checks numbers in the config file under the same rule as their flags', () => {
    const bad = { path: 'c.json', text: JSON.stringify({ rateLimit: -1, concurrency: 2.5 }) };
    expect(() => resolveConfig({ cwd: '/r', file: bad, env: {}, flags: {} })).toThrow(
      'c.json: rateLimit: must be a whole number from 0 to 100000\nc.json: concurrency: must be a whole number from 1 to 32',
    );
    expect(() => resolveConfig({ cwd: '/r', env: {}, flags: { timeout: Number.NaN } })).toThrow('--timeout must be a whole number from 100 to 600000');
  });

  it('keeps directory and segment names like __proto__ and constructor as plain names', () => {
    const text = '{"directories": {"__proto__": "dir-p", "constructor": "dir-c"}, "segments": {"toString": "seg-t", "valueOf": "seg-v"}}';
    const c = resolveConfig({ cwd: '/r', file: { path: 'c.json', text }, env: {}, flags: {} });
    expect([...c.names.directories]).toEqual([['__proto__', 'dir-p'], ['constructor', 'dir-c']]);
    expect([...c.names.segments]).toEqual([['toString', 'seg-t'], ['valueOf', 'seg-v']]);
    expect(c.names.directories.get('hasOwnProperty')).toBeUndefined();
    const empty = '{"directories": {"__proto__": ""}}';
    expect(() => resolveConfig({ cwd: '/r', file: { path: 'c.json', text: empty }, env: {}, flags: {} })).toThrow(/c\.json: directories\.__proto__/);
  });

  it('reads a config file saved with a UTF-8 BOM', () => {
    const c = resolveConfig({ cwd: '/r', file: { path: 'c.json', text: '\uFEFF{"dir": "docs"}' }, env: {}, flags: {} });
    expect(c.dir).toBe('docs');
  });

  it('allows plain http only to loopback, where the sandbox runs', () => {
    expect(resolveConfig({ cwd: '/r', env: { OPENCX_API_URL: 'http://127.0.0.1:4010' }, flags: {} }).apiUrl).toBe('http://127.0.0.1:4010');
    expect(() => resolveConfig({ cwd: '/r', env: { OPENCX_API_URL: 'http://10.0.0.1' }, flags: {} })).toThrow(/https/);
  });
});

describe('validateTrainingSet', () => {
  it('rejects two files with one key', () => {
    const t = training('same');
    const set = validateTrainingSet([
      { displayPath: 'x/one.md', result: { kind: 'training', training: t, issues: [] } },
      { displayPath: 'x/two.md', result: { kind: 'training', training: { ...t, fields: { ...t.fields, title: 'Other' } }, issues: [] } },
    ]);
    expect(set.issues.map((i) => `${i.file}: ${i.message}`)).toEqual([
      'x/two.md: key "same" is already used by x/one.md: give one of them its own "key:" in the front-matter',
    ]);
  });
});

describe('validateTrainingSet with keys named like Object.prototype members', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])('%s is an ordinary key', (key) => {
    const t = training(key);
    const one = validateTrainingSet([{ displayPath: 'x/one.md', result: { kind: 'training', training: t, issues: [] } }]);
    expect(one.issues).toEqual([]);
    expect(one.trainings.map((x) => x.key)).toEqual([key]);
    const two = validateTrainingSet([
      { displayPath: 'x/one.md', result: { kind: 'training', training: t, issues: [] } },
      { displayPath: 'x/two.md', result: { kind: 'skipped', key, path: 'two.md' } },
    ]);
    expect(two.issues.map((i) => i.message)).toEqual([`key "${key}" is already used by x/one.md: give one of them its own "key:" in the front-matter`]);
  });
});

describe('version', () => {
  it('matches package.json', async () => {
    const { VERSION } = await import('../../src/engine.js');
    const { readFileSync } = await import('node:fs');
    expect(VERSION).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });
});

describe('rules in the config', () => {
  it('fills in every rule with its defaults, and takes severities and options from the file', () => {
    const file = { path: 'c.json', text: JSON.stringify({ rules: { placeholder: 'off', 'behavioral-budget': { budget: 4000, severity: 'error' } } }) };
    const c = resolveConfig({ cwd: '/r', file, env: {}, flags: {} });
    expect(c.rules?.get('placeholder')?.severity).toBe('off');
    expect(c.rules?.get('behavioral-budget')).toEqual({ severity: 'error', options: { budget: 4000 } });
    expect(c.rules?.get('channel-format')).toEqual({ severity: undefined, options: { channels: ['phone_voice', 'web_voice', 'sms'], maxLength: 1000 } });
    expect(c.rules?.get('personal-data')?.options).toEqual({ allow: [] });
  });

  it('reports a bad rules entry with the file name, with the other problems', () => {
    const file = { path: 'c.json', text: JSON.stringify({ rules: { 'personal-data': { allow: 'support@acme.com' } }, dirr: 1 }) };
    expect(() => resolveConfig({ cwd: '/r', file, env: {}, flags: {} })).toThrow(/^c\.json: top level: unknown key dirr/);
    const only = { path: 'c.json', text: JSON.stringify({ rules: { 'personal-data': { allow: 'support@acme.com' } } }) };
    expect(() => resolveConfig({ cwd: '/r', file: only, env: {}, flags: {} })).toThrow(/^c\.json: rules\.personal-data\.allow: /);
  });

  // Found by hostile testing: rule errors were hidden while the file had other errors, and a
  // "__proto__" rule was dropped silently by the schema.
  it('reports rule errors together with every other problem, and names a "__proto__" rule', () => {
    const file = { path: 'c.json', text: '{"rules": {"placeholder": "fatal", "__proto__": "off"}, "rateLimit": "abc"}' };
    const message = (() => {
      try {
        resolveConfig({ cwd: '/r', file, env: {}, flags: {} });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/c\.json: rateLimit: /);
    expect(message).toMatch(/c\.json: rules\.placeholder: /);
    expect(message).toContain('c.json: rules: unknown rule "__proto__"');
  });
});
