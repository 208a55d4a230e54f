import { describe, expect, it } from 'vitest';
import { hashFields } from '../../src/core/hash.js';
import { FULL_YAML } from '../../src/core/front-matter-yaml.js';
import { parseTrainingFile as parseFully, parseTrainingFileQuickly, type NameMaps, type SourceFile } from '../../src/core/parse.js';

const names: NameMaps = {
  directories: new Map([['Billing', 'dir-billing']]),
  segments: new Map([['VIP', '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34']]),
};
/** The full parse; the quick one (no YAML parsers) must read the same, or leave the file to it. */
function parseTrainingFile(file: SourceFile, maps: NameMaps) {
  const full = parseFully(file, maps, FULL_YAML);
  const quick = parseTrainingFileQuickly(file, maps);
  if (quick !== undefined) expect(quick).toStrictEqual(full);
  return full;
}
const parse = (text: string, path = 'faq/refunds.md') => parseTrainingFile({ path, displayPath: `trainings/${path}`, text }, names);
const errors = (text: string) => {
  const r = parse(text);
  if (r.kind !== 'invalid') throw new Error(`expected invalid, got ${r.kind}`);
  return r.issues.map((i) => `${i.line}:${i.col} ${i.message}`);
};

describe('parseTrainingFile', () => {
  it('reads every front-matter field and resolves names to ids', () => {
    const r = parse('---\ntitle: Refunds?\ntype: BEHAVIORAL\ndraft: true\ndirectory: Billing\nchannels: [web, email]\nsegments: [VIP]\nkey: billing/refunds\n---\nBody text.\n');
    expect(r).toEqual({
      kind: 'training',
      issues: [],
      positions: { title: { line: 2, col: 8 }, bodyLine: 10, leading: 0 },
      training: {
        key: 'billing/refunds',
        path: 'faq/refunds.md',
        fields: {
          title: 'Refunds?', content: 'Body text.', type: 'BEHAVIORAL', draft: true, directory: 'dir-billing',
          channels: ['email', 'web'], segments: ['0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34'],
        },
      },
    });
  });

  it('defaults: scenario, published, no directory, all channels, key from the path', () => {
    const r = parse('---\ntitle: T\n---\nB');
    expect(r.kind === 'training' && r.training).toMatchObject({
      key: 'faq/refunds',
      fields: { type: 'SCENARIO_SPECIFIC', draft: false, directory: null, channels: [], segments: [] },
    });
  });

  it('takes a # heading on the first non-blank line of the body as the title and removes it', () => {
    const r = parse('---\ndraft: false\n---\n\n# Where is my order?\n\nAsk for the number.\n');
    expect(r.kind === 'training' && r.training.fields).toMatchObject({ title: 'Where is my order?', content: 'Ask for the number.' });
  });

  it('keeps a # heading later in the body as content: it is not the title', () => {
    const later = '---\ntitle: Refunds?\n---\nIntro.\n\n# Section\n\nMore.\n';
    expect(parse(later).kind === 'training' && (parse(later) as { training: { fields: { content: string } } }).training.fields.content).toBe(
      'Intro.\n\n# Section\n\nMore.',
    );
    expect(errors('---\ndraft: false\n---\nIntro.\n\n# Section\n\nMore.\n')).toEqual([
      '1:1 no title: add "title: <trigger phrase>" to the front-matter or start the body with "# <title>" (a heading further down is content, not the title)',
    ]);
    expect(errors('---\ndraft: false\n---\n\n```\n# not this\n```\n# Nor this\n\nText.\n')[0]).toContain('no title');
  });

  it('works without front-matter at all', () => {
    const r = parse('# Title only\nAnswer.');
    expect(r.kind === 'training' && r.training.fields.title).toBe('Title only');
  });

  it('normalises CRLF, drops a BOM and trims blank lines, so formatting is not content', () => {
    const a = parse('\uFEFF---\r\ntitle: T\r\n---\r\n\r\n\r\nLine one\r\nLine two\r\n\r\n');
    const b = parse('---\ntitle: T\n---\nLine one\nLine two');
    expect(a.kind === 'training' && a.training.fields.content).toBe('Line one\nLine two');
    expect(a.kind === 'training' && a.training).toEqual(b.kind === 'training' && b.training);
  });

  it('hints keep the intent: published: true means draft: false', () => {
    expect(errors('---\ntitle: T\npublished: true\n---\nB')).toEqual(['3:1 unknown key "published": did you mean "draft: false"?']);
    expect(errors('---\ntitle: T\npublished: false\n---\nB')).toEqual(['3:1 unknown key "published": did you mean "draft: true"?']);
    expect(errors('---\ntitle: T\npublished: soon\n---\nB')).toEqual(['3:1 unknown key "published": did you mean "draft" (true or false)?']);
  });

  it('suggests the right case for enum values written in another case', () => {
    const allowedTypes = 'use one of: SCENARIO_SPECIFIC, BEHAVIORAL';
    expect(errors('---\ntitle: T\ntype: behavioral\n---\nB')).toEqual([`3:7 type: "behavioral" is not allowed; did you mean "BEHAVIORAL"? ${allowedTypes}`]);
    expect(errors('---\ntitle: T\ntype: scenario_specific\n---\nB')).toEqual([`3:7 type: "scenario_specific" is not allowed; did you mean "SCENARIO_SPECIFIC"? ${allowedTypes}`]);
    expect(errors('---\ntitle: T\ntype: Scenario-Specific\n---\nB')[0]).toContain('did you mean "SCENARIO_SPECIFIC"?');
    expect(errors('---\ntitle: T\ntype: behavioural\n---\nB')[0]).toContain('did you mean "BEHAVIORAL"?');
    expect(errors('---\ntitle: T\nchannels: [WhatsApp, Phone_Voice]\n---\nB')).toEqual([
      expect.stringContaining('channels[0]: "WhatsApp" is not allowed; did you mean "whatsapp"?'),
      expect.stringContaining('channels[1]: "Phone_Voice" is not allowed; did you mean "phone_voice"?'),
    ]);
  });

  it('reports unknown keys at their line with a suggestion', () => {
    expect(errors('---\ntitle: T\nis_draft: true\nrestricted_to_channels: [web]\nchanels: [web]\n---\nB')).toEqual([
      '3:1 unknown key "is_draft": did you mean "draft"?',
      '4:1 unknown key "restricted_to_channels": did you mean "channels"?',
      '5:1 unknown key "chanels": did you mean "channels"?',
    ]);
  });

  it('reports bad values at the value, with what to write instead', () => {
    expect(errors('---\ntitle: T\ntype: BEHAVIOURAL\ndraft: yes\nchannels: [web, webb]\n---\nB')).toEqual([
      '3:7 type: "BEHAVIOURAL" is not allowed; did you mean "BEHAVIORAL"? use one of: SCENARIO_SPECIFIC, BEHAVIORAL',
      '4:8 draft must be true or false, not string',
      '5:17 channels[1]: "webb" is not allowed; did you mean "web"? use one of: web, email, phone_voice, slack, sms, whatsapp, instagram, messenger, api, web_voice',
    ]);
  });

  it('a single value where a list belongs gets the list it meant as its example', () => {
    expect(errors('---\ntitle: T\nsegments: VIP customers\nchannels: web\n---\nB').sort()).toEqual([
      '3:11 segments must be a list, e.g. [VIP customers], not string',
      '4:11 channels must be a list, e.g. [web], not string',
    ]);
    expect(errors('---\ntitle: T\nsegments: {a: 1}\n---\nB')).toEqual(['3:11 segments must be a list, e.g. [VIP customers], not object']);
  });

  it('reports YAML syntax errors with their position', () => {
    const [first] = errors('---\ntitle: T\nchannels: [web\n---\nB');
    expect(first).toMatch(/^\d+:\d+ YAML: /);
  });

  it('refuses any front-matter language but YAML, also names like ---constructor', () => {
    for (const lang of ['constructor', 'toString', '__proto__', 'toml', 'coffee', 'json']) {
      expect(errors(`---${lang}\ntitle: T\n---\nB`)).toEqual([`1:1 front-matter language "${lang}" is not allowed: use YAML between "---" lines`]);
    }
    expect(parse('---yaml\ntitle: T\n---\nB').kind).toBe('training');
    expect(parse('---yml\ntitle: T\n---\nB').kind).toBe('training');
  });

  it('says when the front-matter has no closing ---', () => {
    expect(errors('---\ntitle: T\nBody here\n')).toEqual([
      '1:1 the front-matter opened by "---" on line 1 has no closing "---": add a line "---" after the last key',
    ]);
  });

  it('refuses NUL characters in the title, the key and the body', () => {
    expect(errors('---\ntitle: "a\\0b"\n---\nB')).toEqual(['2:8 title: must not contain NUL characters: remove them']);
    expect(errors('---\ntitle: T\n---\nLine one\nLine \0two\n')).toEqual([
      '5:6 the body contains a NUL character: remove it (a NUL usually means a binary or badly encoded file)',
    ]);
    expect(errors('# T\0itle\nBody')[0]).toContain('1:4 the body contains a NUL character');
    expect(errors('---\ntitle: T\nkey: "a\\0b"\n---\nB')[0]).toContain('3:6 key: must not contain');
  });

  it('trims a key with a trailing newline or surrounding spaces, and refuses line breaks inside it', () => {
    const trimmed = parse('---\ntitle: T\nkey: |\n  billing/refunds\n---\nB');
    expect(trimmed.kind === 'training' && trimmed.training.key).toBe('billing/refunds');
    const spaced = parse('---\ntitle: T\nkey: "  billing/refunds \\n"\n---\nB');
    expect(spaced.kind === 'training' && spaced.training.key).toBe('billing/refunds');
    expect(errors('---\ntitle: T\nkey: "a\\nb"\n---\nB')).toEqual(['3:6 key: must not contain line breaks, tabs or other control characters']);
  });

  it('refuses a YAML alias bomb quickly, naming the file', () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) {
      const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    for (const last of ['title: *j', 'type: *j', 'zzz: *j', 'channels: *j']) {
      const started = performance.now();
      const r = parse(`---\n${lines.join('\n')}\n${last}\n---\nB\n`);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(r.kind).toBe('invalid');
      const issues = r.kind === 'invalid' ? r.issues : [];
      expect(issues.map((i) => i.file)).toContain('trainings/faq/refunds.md');
      expect(issues.map((i) => i.message).join('\n')).toMatch(/YAML: .*aliases/);
    }
  });

  it('caps the front-matter: 500 KB of keys is one clear error, fast', () => {
    let keys = '';
    for (let i = 0; keys.length < 500_000; i++) keys += `key_number_${i}: 1\n`;
    const started = performance.now();
    const issues = errors(`---\ntitle: T\n${keys}---\nB`);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(issues).toEqual([expect.stringMatching(/^1:1 the front-matter is \d+ KB, more than the 32 KB allowed/)]);
  });

  it('refuses thousands of keys as one error, fast, also when the YAML is broken', () => {
    let keys = '';
    for (let i = 0; keys.length < 30_000; i++) keys += `k${i}: 1\n`;
    const lines = keys.split('\n').length; // the keys and title:
    for (const broken of ['', 'k0: 2\n', 'x: [\n']) {
      const message = `1:1 the front-matter has ${lines + (broken ? 1 : 0)} keys, more than the 100 allowed: a training uses only title, type, draft, directory, channels, segments, key, sync, id, content, active`;
      const started = performance.now();
      const issues = errors(`---\ntitle: T\n${keys}${broken}---\nB`);
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(issues).toEqual([message]);
    }
  });

  it('names the first unknown keys and counts the rest', () => {
    let keys = '';
    for (let i = 0; i < 60; i++) keys += `unknown_${i}: 1\n`;
    const issues = errors(`---\ntitle: T\n${keys}---\nB`);
    expect(issues).toHaveLength(11);
    expect(issues[0]).toBe('3:1 unknown key "unknown_0": allowed keys are title, type, draft, directory, channels, segments, key, sync, id, content, active');
    expect(issues[10]).toBe('13:1 50 more unknown keys: allowed keys are title, type, draft, directory, channels, segments, key, sync, id, content, active');
  });

  it('reports a repeated key once, at the repeat', () => {
    expect(errors('---\ntitle: T\ndraft: true\ndraft: false\n---\nB')).toEqual(['4:1 YAML: key "draft" is already set on line 3: keep one of them']);
  });

  it('does not hang on a very long unknown key', () => {
    const started = performance.now();
    expect(errors(`---\ntitle: T\n${'x'.repeat(1_000)}: 1\n---\nB`)[0]).toMatch(/^3:1 unknown key "x{20}\.\.\." \(1000 characters\): allowed keys are /);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses JavaScript front-matter, which would run code from the file', () => {
    expect(errors('---js\n{ title: (() => { throw new Error("ran") })() }\n---\nB')).toEqual([
      '1:1 front-matter language "js" is not allowed: use YAML between "---" lines',
    ]);
    expect(errors('---javascript\nmodule.exports = {}\n---\nB')[0]).toContain('"javascript" is not allowed');
  });

  it('requires a title and a body', () => {
    expect(errors('---\ndraft: true\n---\nJust text')).toEqual([
      '1:1 no title: add "title: <trigger phrase>" to the front-matter or start the body with "# <title>"',
    ]);
    expect(errors('---\ntitle: T\n---\n\n\n')).toEqual(['4:1 the body is empty: below the front-matter, write how the AI should answer']);
  });

  it('rejects names the config does not know, and accepts raw segment UUIDs', () => {
    expect(errors('---\ntitle: T\ndirectory: Billng\nsegments: [VIP, Gold]\n---\nB')).toEqual([
      '3:12 unknown directory "Billng": use one of "Billing" or add it to "directories" in the config file',
      `4:17 unknown segment "Gold": use a segment id (UUID) or one of "VIP"; a name from Open.cx's segment list is looked up only with a key ("plan --refresh", "apply"), never by an offline plan`,
    ]);
    const r = parse('---\ntitle: T\nsegments: [5d2e8f10-7a3b-4c9d-9e1f-2b4a6c8d0e12]\n---\nB');
    expect(r.kind === 'training' && r.training.fields.segments).toEqual(['5d2e8f10-7a3b-4c9d-9e1f-2b4a6c8d0e12']);
  });

  it('skips files with sync: false but keeps their key', () => {
    expect(parse('---\ntitle: T\nsync: false\n---\nB')).toEqual({ kind: 'skipped', key: 'faq/refunds', path: 'faq/refunds.md' });
  });

  it('rejects a front-matter that is not a mapping and keys that escape', () => {
    expect(errors('---\n- a\n- b\n---\nB')[0]).toContain('front-matter must be a mapping');
    expect(errors('---\ntitle: T\nkey: ../x\n---\nB')[0]).toContain('key: must not start or end with "/" or contain ".."');
  });

  describe('names like Object.prototype members are plain text', () => {
    const protoNames = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'];
    const uuid = '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34';
    it.each(protoNames)('%s as a file name, a key:, a directory, a segment and an unknown key', (n) => {
      const byFile = parse('---\ntitle: T\n---\nB', `${n}.md`);
      expect(byFile.kind === 'training' && byFile.training.key).toBe(n);
      const byKey = parse(`---\ntitle: T\nkey: ${n}\n---\nB`);
      expect(byKey.kind === 'training' && byKey.training.key).toBe(n);

      const named: NameMaps = { directories: new Map([[n, `dir-${n}`]]), segments: new Map([[n, uuid]]) };
      const withNames = parseTrainingFile({ path: 'a.md', displayPath: 'a.md', text: `---\ntitle: T\ndirectory: ${n}\nsegments: [${n}]\n---\nB` }, named);
      expect(withNames.kind === 'training' && withNames.training.fields).toMatchObject({ directory: `dir-${n}`, segments: [uuid] });
      // Not in the config: an unknown name, never a property of Object.prototype.
      expect(errors(`---\ntitle: T\ndirectory: ${n}\nsegments: [${n}]\n---\nB`)).toEqual([
        `3:12 unknown directory "${n}": use one of "Billing" or add it to "directories" in the config file`,
        `4:12 unknown segment "${n}": use a segment id (UUID) or one of "VIP"; a name from Open.cx's segment list is looked up only with a key ("plan --refresh", "apply"), never by an offline plan`,
      ]);
      const none: NameMaps = { directories: new Map(), segments: new Map() };
      const noNames = parseTrainingFile({ path: 'a.md', displayPath: 'a.md', text: `---\ntitle: T\nsegments: [${n}]\n---\nB` }, none);
      expect(noNames.kind).toBe('invalid');

      expect(errors(`---\ntitle: T\n${n}: 1\n---\nB`)).toEqual([
        `3:1 unknown key "${n}": allowed keys are title, type, draft, directory, channels, segments, key, sync, id, content, active`,
      ]);
    });
  });

  it('warns about a channel listed twice', () => {
    const r = parse('---\ntitle: T\nchannels: [web, web]\n---\nB');
    expect(r.kind === 'training' && r.issues.map((i) => [i.severity, i.message])).toEqual([['warning', 'channels: "web" is listed twice']]);
  });

  it('active: a null end is no bound, the same fields (and hash) as leaving it out', () => {
    const fieldsOf = (active: string) => {
      const r = parse(`---\ntitle: T\nactive:\n${active}\n---\nB`);
      if (r.kind !== 'training') throw new Error(`expected a training, got ${JSON.stringify(r)}`);
      return r.training.fields;
    };
    const open = fieldsOf('  until: 2027-01-06T00:00:00Z');
    expect(open.active).toEqual({ from: null, until: '2027-01-06T00:00:00.000Z' });
    expect(fieldsOf('  from: null\n  until: 2027-01-06T00:00:00Z')).toEqual(open);
    expect(fieldsOf('  from: ~\n  until: 2027-01-06T00:00:00Z')).toEqual(open);
    expect(hashFields(fieldsOf('  from: null\n  until: 2027-01-06T00:00:00Z'))).toBe(hashFields(open));
    expect(fieldsOf('  from: 2026-12-01T00:00:00Z\n  until: null')).toEqual(fieldsOf('  from: 2026-12-01T00:00:00Z'));
    expect(fieldsOf('  from: null\n  until: null').active).toEqual({ from: null, until: null });
  });
});
