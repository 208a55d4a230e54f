import { describe, expect, it } from 'vitest';
import { parseTrainingFile, type NameMaps } from '../../src/core/parse.js';

const names: NameMaps = {
  directories: { Billing: 'dir-billing' },
  segments: { VIP: '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' },
};
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

  it('takes the first # heading as the title and removes it from the content', () => {
    const r = parse('---\ndraft: false\n---\n\n```\n# not this\n```\n# Where is my order?\n\nAsk for the number.\n');
    expect(r.kind === 'training' && r.training.fields).toMatchObject({
      title: 'Where is my order?',
      content: '```\n# not this\n```\n\nAsk for the number.',
    });
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

  it('reports YAML syntax errors with their position', () => {
    const [first] = errors('---\ntitle: T\nchannels: [web\n---\nB');
    expect(first).toMatch(/^\d+:\d+ YAML: /);
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
      '4:17 unknown segment "Gold": use a segment id (UUID) or one of "VIP"',
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

  it('warns about a channel listed twice', () => {
    const r = parse('---\ntitle: T\nchannels: [web, web]\n---\nB');
    expect(r.kind === 'training' && r.issues.map((i) => [i.severity, i.message])).toEqual([['warning', 'channels: "web" is listed twice']]);
  });
});
