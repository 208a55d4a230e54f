// The quick front-matter reader and schema check are fast paths: wherever it answers, its answer is exactly what js-yaml
// (the former fast path) and `yaml` (the full parser, which gives the positions) read from the same
// text. Checked over many generated front-matters, tricky pieces included; it must also answer for the
// plain shape files have, or it saves nothing.
import fc from 'fast-check';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse as yamlParse } from 'yaml';
import { checkFrontMatterQuickly } from '../../src/core/front-matter-check.js';
import { readSimpleFrontMatter } from '../../src/core/front-matter-fast.js';
import { FULL_YAML } from '../../src/core/front-matter-yaml.js';
import { parseTrainingFile, parseTrainingFileQuickly, type NameMaps } from '../../src/core/parse.js';
import { CHANNELS, FRONT_MATTER_KEYS, frontMatterSchema, TRAINING_TYPES } from '../../src/core/training.js';

const jsYaml = (src: string): unknown => jsyaml.load(src, { schema: jsyaml.CORE_SCHEMA }) ?? {};
const fullYaml = (src: string): unknown => yamlParse(src) ?? {};

/** Same entries in the same order, same prototype (toStrictEqual alone trips over a key named "constructor"). */
function expectSame(fast: Record<string, unknown>, other: unknown) {
  expect(Object.getPrototypeOf(other)).toBe(Object.getPrototypeOf(fast));
  expect(Object.entries(fast)).toStrictEqual(Object.entries(other as object));
}

const KEYS = ['title', 'type', 'draft', 'channels', 'segments', 'key', 'sync', 'directory', 'a-b', '_k', 'on', 'y', '__proto__', 'true', 'True', 'null', 'NULL', '~', 'constructor'];
const key = fc.oneof(fc.constantFrom(...KEYS), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,5}$/));
/** Pieces of values: words, YAML keywords, numbers, indicators, quotes, and characters parsers disagree on. */
const PIECES = [
  'How', 'do', 'I', 'refund', 'web', 'sms', 'BEHAVIORAL', 'e5', 'x1', 'true', 'False', 'TRUE', 'null', 'Null', '~', 'yes', 'no', 'on',
  '1', '0x1f', '0o7', '.5', '-1', '1e3', '.inf', '.NaN', ' ', '  ', ':', ': ', '#', ' #', ' # c', '-', '- ', '?', '? ', ',', '[', ']', '{', '}',
  '&a', '*a', '!t', '!!str', '|', '>', "'", "''", '"', '\\', '\\n', '%', '@', '`', '=', '+', '(', ')', '.', '/', '_',
  '\t', '\u00a0', 'é', 'ü', '中', '\u2028', '\u0085', '\ufeff', '\u0007', '😀', '\r',
];
const phrase = fc.array(fc.constantFrom(...PIECES), { minLength: 0, maxLength: 6 }).map((xs) => xs.join(''));
const value = fc.oneof(
  phrase,
  phrase.map((p) => `"${p}"`),
  phrase.map((p) => `'${p}'`),
  fc.array(phrase, { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  fc.array(phrase, { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
);
const keyLine = fc.tuple(key, fc.constantFrom(':', ': ', ':  ', ':\t', ' :', ''), value, fc.constantFrom('', ' ', ' # c', '#c', '\t')).map((parts) => parts.join(''));
const otherLine = fc.constantFrom('', '  ', '# comment', '#', '  indented: x', '  - item', '- item', '---', '...', '\t', '%YAML 1.2', '? k', 'k: |', '  more text', '&a k: v');
const frontMatter = fc
  .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: keyLine }, { weight: 1, arbitrary: otherLine }), { maxLength: 8 }), fc.boolean())
  .map(([lines, newline]) => lines.join('\n') + (newline ? '\n' : ''));

// The shape of real files: known keys once each, ordinary words, quoted titles, one-line lists.
const WORDS = ['How', 'do', 'I', 'get', 'a', 'refund', 'Billing', 'case', '42', 'order', "customer's", 'e-mail', 'v2.1', '(beta)', 'today?', 'é'];
const words = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 6 }).map((xs) => xs.join(' '));
const plainFile = fc
  .record(
    {
      title: fc.oneof(words.map((w) => `"${w}"`), words.filter((w) => !w.includes("'")).map((w) => `'${w}'`), words.filter((w) => /^[A-Za-z]/.test(w))),
      type: fc.constantFrom('BEHAVIORAL', 'SCENARIO_SPECIFIC'),
      draft: fc.constantFrom('true', 'false'),
      channels: fc.array(fc.constantFrom('web', 'email', 'sms', 'whatsapp'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
      key: fc.stringMatching(/^[a-z][a-z0-9/-]{0,12}$/),
    },
    { requiredKeys: ['title'] },
  )
  .map((r) => Object.entries(r).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');

describe('the quick front-matter reader', () => {
  it('reads what js-yaml and yaml read, wherever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(frontMatter, (src) => {
        const fast = readSimpleFrontMatter(src);
        if (fast === undefined) return;
        answered++;
        expectSame(fast, jsYaml(src));
        expectSame(fast, fullYaml(src));
      }),
      { numRuns: 20_000 },
    );
    // Not vacuous: a good share of the generated texts are in its shape.
    expect(answered).toBeGreaterThan(1_000);
  });

  it('answers for the shape real files have', () => {
    fc.assert(
      fc.property(plainFile, (src) => {
        const fast = readSimpleFrontMatter(src);
        expect(fast).toBeDefined();
        expectSame(fast as Record<string, unknown>, jsYaml(src));
        expectSame(fast as Record<string, unknown>, fullYaml(src));
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['a comment after a plain value', 'title: Refunds # why'],
    ['a colon in a plain value', 'title: Refunds: how'],
    ['a tab', 'title:\tRefunds'],
    ['a duplicate key', 'title: a\ntitle: b'],
    ['an escape', 'title: "a\\tb"'],
    ['a number', 'title: 12'],
    ['a block scalar', 'title: |\n  Refunds'],
    ['a key YAML reads as true', 'true: x'],
  ])('leaves %s to the YAML parsers', (_, src) => {
    expect(readSimpleFrontMatter(src)).toBeUndefined();
  });
});

describe('the quick front-matter schema check', () => {
  // Values the readers give: text (padded, empty, with NUL, control characters and slashes), booleans,
  // null, numbers, lists of those, and nested maps; keys known and unknown.
  const TEXT = ['web', 'sms', 'fax', ' web', 'BEHAVIORAL', 'SCENARIO_SPECIFIC', 'behavioral', '', '  ', ' a ', 'a\0b', 'a\tb', 'a\nb', '/a', 'a/', 'a/../b', 'a/b', 'x'.repeat(50), 'é'];
  const leaf = fc.oneof(fc.constantFrom(...TEXT), fc.string(), fc.boolean(), fc.constant(null), fc.integer());
  const val = fc.oneof(leaf, fc.array(leaf, { maxLength: 4 }), fc.dictionary(fc.constantFrom('a', 'b'), leaf, { maxKeys: 2 }));
  const data = fc.dictionary(fc.constantFrom(...FRONT_MATTER_KEYS, 'chanels', 'published', '__proto__'), val, { maxKeys: 6 });
  const valid = fc.record(
    {
      title: fc.constantFrom('How?', '  padded  ', 'é'),
      type: fc.constantFrom(...TRAINING_TYPES),
      draft: fc.boolean(),
      directory: fc.constantFrom(null, 'Billing', ' spaced '),
      channels: fc.subarray([...CHANNELS]),
      segments: fc.array(fc.constantFrom('vip', ' x '), { maxLength: 2 }),
      key: fc.constantFrom('a/b', ' k ', 'billing/refunds'),
      sync: fc.boolean(),
    },
    { requiredKeys: [] },
  );

  it('gives the schema value wherever it answers, and no answer where the schema refuses', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(data, valid), (d) => {
        const quick = checkFrontMatterQuickly(d as Record<string, unknown>);
        const schema = frontMatterSchema.safeParse(d);
        if (!schema.success) expect(quick).toBeUndefined();
        if (quick !== undefined) {
          answered++;
          expect(quick).toEqual(schema.data);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(answered).toBeGreaterThan(5_000);
  });

  it('answers for every valid front-matter of the usual kind', () => {
    fc.assert(
      fc.property(valid, (d) => {
        expect(checkFrontMatterQuickly(d)).toEqual(frontMatterSchema.parse(d));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('the parse without the YAML parsers', () => {
  // Whole files: any front-matter above (or none, or an unclosed one), directory and segment names the
  // config knows or not, and bodies with headings, blank lines, CRLF, a BOM and NUL.
  const maps = fc.constantFrom<NameMaps[]>(
    { directories: new Map(), segments: new Map() },
    { directories: new Map([['Billing', 'dir-1']]), segments: new Map([['vip', 'seg-1']]), remoteSegments: 'deferred' },
    { directories: new Map(), segments: new Map([['vip', 'seg-1']]), remoteSegments: 'offline' },
  );
  const extra = fc.array(fc.constantFrom('directory: Billing', 'directory: Sales', 'segments: [vip]', 'segments: [vip, vip]', 'segments: [x y]', 'channels: [web, web]', 'sync: false', 'content: "Text"', 'id: "7"'), { maxLength: 2 });
  const body = fc.array(fc.constantFrom('', '# Title', '  # Heading #', 'Answer.', '   ', 'More text', '\0', 'é'), { maxLength: 5 }).map((xs) => xs.join('\n'));
  const matter = fc.oneof(
    fc.tuple(fc.oneof(plainFile, frontMatter), extra).map(([fm, xs]) => `---\n${fm}${fm.endsWith('\n') || fm === '' ? '' : '\n'}${xs.map((x) => `${x}\n`).join('')}---\n`),
    fc.constantFrom('', '---\ntitle: x\n', '---yaml\ntitle: T\n---\n', '---json\n{}\n---\n', '----\n'),
  );
  const text = fc.tuple(fc.constantFrom('', '\ufeff'), matter, body, fc.boolean()).map(([bom, m, b, crlf]) => {
    const t = bom + m + b;
    return crlf ? t.replace(/\n/g, '\r\n') : t;
  });

  it('reads each file as parseTrainingFile does, or leaves it to it', () => {
    let answered = 0;
    fc.assert(
      fc.property(text, maps, (t, names) => {
        const file = { path: 'a/b.md', displayPath: 'trainings/a/b.md', text: t };
        const quick = parseTrainingFileQuickly(file, names);
        if (quick === undefined) return;
        answered++;
        expect(quick).toStrictEqual(parseTrainingFile(file, names, FULL_YAML));
      }),
      { numRuns: 10_000 },
    );
    expect(answered).toBeGreaterThan(2_000);
  });
});
