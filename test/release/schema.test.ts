// The JSON Schemas editors use must say what the validator says: generated from the same zod schemas,
// committed up to date, and checked against one corpus of good and bad files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildSchemas } from '../../scripts/schema.js';
import { resolveConfig } from '../../src/config.js';
import { FULL_YAML } from '../../src/core/front-matter-yaml.js';
import { parseTrainingFile } from '../../src/core/parse.js';
import { ROOT } from '../helpers.js';

const read = (rel: string) => JSON.parse(readFileSync(path.join(ROOT, rel), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
const fmValid = ajv.compile(read('schema/front-matter.schema.json'));
const configValid = ajv.compile(read('schema/config.schema.json'));

const UUID = '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34';

/** Front-matter the validator accepts. Segment and directory names need the config, so ids only here. */
const goodFrontMatter = [
  'title: How do I get a refund?',
  `title: Be concise\ntype: BEHAVIORAL\ndraft: true\ndirectory: dir-billing\nchannels: [web, email]\nsegments: ["${UUID}"]\nkey: billing/refunds\nsync: true`,
  '',
  'title: x\ndirectory: null\nchannels: []',
  '# yaml-language-server: $schema=https://raw.githubusercontent.com/opencx-sync/opencx-sync/main/schema/front-matter.schema.json\ntitle: With the editor modeline',
  'title: "  padded  "\nkey: " a/b "',
  // null for an open end, as natural YAML writes it: the same as leaving it out.
  'title: x\nactive:\n  from: null\n  until: "2027-01-06T00:00:00Z"',
  'title: x\nactive: { from: "2026-12-01T00:00:00Z", until: ~ }',
];

const badFrontMatter = [
  'title: x\nis_draft: true',
  'title: x\npublished: true',
  'title: x\ntype: behavioral',
  'title: x\nchannels: [fax]',
  'title: x\nchannels: web',
  'title: x\ndraft: "yes"',
  'title: "   "',
  'title: 42',
  'title: x\nkey: /abs',
  'title: x\nkey: a/',
  'title: x\nkey: a/../b',
  'title: x\nkey: ".."',
  'title: x\nsegments: [""]',
  'title: x\nsync: "false"',
  'title: x\ndirectory: ""',
];

function validatorAccepts(frontMatter: string): boolean {
  const text = `---\n${frontMatter}\n---\n# Heading\n\nHow the AI should answer.\n`;
  const r = parseTrainingFile({ path: 'a/b.md', displayPath: 'trainings/a/b.md', text }, { directories: new Map(), segments: new Map() }, FULL_YAML);
  return r.kind === 'training' && !r.issues.some((i) => i.severity === 'error');
}

const goodConfigs: unknown[] = [
  {},
  { $schema: 'https://raw.githubusercontent.com/opencx-sync/opencx-sync/main/schema/config.schema.json', dir: 'trainings', state: 's.json' },
  { apiUrl: 'https://api.open.cx', directories: { Billing: 'dir-billing' }, segments: { VIP: UUID }, ignore: ['drafts/**'], rateLimit: 0, concurrency: 32 },
  { apiUrl: 'http://127.0.0.1:4010' },
  { apiUrl: 'http://localhost' },
];

const badConfigs: unknown[] = [
  { dirr: 'x' },
  { dir: '' },
  { ignore: 'drafts/**' },
  { rateLimit: -1 },
  { rateLimit: 1.5 },
  { concurrency: 0 },
  { concurrency: 33 },
  { directories: { Billing: '' } },
  { apiUrl: 'http://api.open.cx' },
  { apiUrl: 'ftp://x' },
  [],
];

function configAccepted(json: unknown): boolean {
  try {
    resolveConfig({ cwd: '/r', file: { path: 'c.json', text: JSON.stringify(json) }, env: {}, flags: {} });
    return true;
  } catch {
    return false;
  }
}

describe('JSON Schemas', () => {
  it('the committed schema files are what `npm run schema` writes', () => {
    const built = buildSchemas();
    expect([...built.keys()]).toContain('schema/plan.schema.json');
    for (const [rel, text] of built) {
      expect(readFileSync(path.join(ROOT, rel), 'utf8'), `${rel} is stale: run "npm run schema" and commit it`).toBe(text);
    }
  });

  it('describe every property, with an example', () => {
    for (const schema of [...buildSchemas().keys()].map(read)) {
      expect(schema.title).toBeTruthy();
      for (const [name, prop] of Object.entries(schema.properties as Record<string, { description?: string; examples?: unknown[] }>)) {
        expect(prop.description, name).toBeTruthy();
        expect(prop.examples?.length, name).toBeGreaterThan(0);
      }
    }
  });

  it.each(goodFrontMatter.map((fm) => [fm]))('front-matter accepted by both: %s', (fm) => {
    expect(validatorAccepts(fm)).toBe(true);
    expect(fmValid(parseYaml(fm) ?? {}), JSON.stringify(fmValid.errors)).toBe(true);
  });

  it.each(badFrontMatter.map((fm) => [fm]))('front-matter refused by both: %s', (fm) => {
    expect(validatorAccepts(fm)).toBe(false);
    expect(fmValid(parseYaml(fm) ?? {})).toBe(false);
  });

  it.each(goodConfigs.map((c) => [JSON.stringify(c)]))('config accepted by both: %s', (c) => {
    expect(configAccepted(JSON.parse(c))).toBe(true);
    expect(configValid(JSON.parse(c)), JSON.stringify(configValid.errors)).toBe(true);
  });

  it.each(badConfigs.map((c) => [JSON.stringify(c)]))('config refused by both: %s', (c) => {
    expect(configAccepted(JSON.parse(c))).toBe(false);
    expect(configValid(JSON.parse(c))).toBe(false);
  });

  it('the package ships the schemas', () => {
    expect(read('package.json').files).toContain('schema/*.json');
  });
});
