// The hand-written scans and helpers in the parser and the content checks that replace a regular
// expression, a chain of them or a built-in, to save a pass or an allocation per file: each answers
// exactly what the code it replaced answers, over generated inputs made of what matters to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSimpleFrontMatter } from '../../src/core/front-matter-fast.js';
import { blankLinesEnd, closingLine, titleKey } from '../../src/core/parse.js';
import { maskCode, maskedText, overlap, shares } from '../../src/core/rules/text.js';
import { byCodeUnits, sortShort } from '../../src/core/sort-short.js';

/** Texts from the pieces a scan looks at: spaces, tabs, line breaks of every kind, words, marks. */
const textOf = (pieces: string[]) => fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((xs) => xs.join(''));

describe('blankLinesEnd', () => {
  it('ends where /^(?:[ \\t]*\\n)+/ would', () => {
    fc.assert(
      fc.property(textOf([' ', '\t', '\n', '\r', '\r\n', 'a', '# T', '\u00a0', '\u2028', '\v', '\f']), (text) => {
        expect(blankLinesEnd(text)).toBe(text.length - text.replace(/^(?:[ \t]*\n)+/, '').length);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the line matches', () => {
  const text = textOf(['---', '--', '-', 'title', 'titles', 'Title', ':', ' ', '\t', '\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085', 'x', '\u00a0']);

  it('closingLine finds what /^---[ \\t]*$/gm finds from lastIndex', () => {
    fc.assert(
      fc.property(text, fc.nat(6), (t, from) => {
        const re = /^---[ \t]*$/gm;
        re.lastIndex = from;
        const m = from <= t.length ? re.exec(t) : null;
        expect(closingLine(t, from)).toBe(m ? m.index : -1);
      }),
      { numRuns: 20_000 },
    );
  });

  it('titleKey finds what /^title[ \\t]*:[ \\t]*/m finds', () => {
    fc.assert(
      fc.property(text, (t) => {
        const m = /^title[ \t]*:[ \t]*/m.exec(t);
        expect(titleKey(t)).toStrictEqual(m ? { index: m.index, length: m[0].length } : undefined);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the helpers the content checks share', () => {
  const values = fc.array(fc.constantFrom('web', 'sms', 'email', 'a', 'B', 'é', '', 'web '), { maxLength: 20 });

  it('sortShort sorts as Array.prototype.sort does, with a comparator or in code-unit order', () => {
    fc.assert(
      fc.property(values, fc.array(fc.tuple(fc.nat(3), fc.nat(100)), { maxLength: 20 }), (xs, pairs) => {
        expect(sortShort([...xs], byCodeUnits)).toStrictEqual([...xs].sort());
        // Ties on the first value: stable, as the built-in sort is.
        const byFirst = (a: [number, number], b: [number, number]) => a[0] - b[0];
        expect(sortShort([...pairs], byFirst)).toStrictEqual([...pairs].sort(byFirst));
      }),
      { numRuns: 10_000 },
    );
  });

  it('shares answers whether overlap finds a common value', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        expect(shares(a, b)).toBe(overlap(a, b) !== undefined);
      }),
      { numRuns: 10_000 },
    );
  });

  it('maskedText is the text of maskCode', () => {
    fc.assert(
      fc.property(textOf(['`', '``', '```', '~~~', '~', 'code', ' ', '\n', 'a']), (t) => {
        expect(maskedText(t)).toBe(maskCode(t).text);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('the one-pass front-matter reader', () => {
  // Lines of a key, a separator, a value and what follows it, from the pieces the reader decides on:
  // key characters, colons, spaces, quotes, backslashes, brackets, commas, comments, and characters
  // outside its printable set; and lines of loose pieces.
  const piece = fc.constantFrom(':', ' ', '  ', '"', "'", '\\', '[', ']', '{', ',', '#', ' #', 'x', 'Refund?', 'true', '~', 'é', '\t', '\r', '\u2028', '\ufeff');
  const phrase = fc.array(piece, { maxLength: 5 }).map((xs) => xs.join(''));
  const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('title', 'k1') }, fc.constantFrom('a-b', '_k', 'k1', '1k', '-k', 'true', 'null', '__proto__', 'constructor', '', 'ké', ' k', '#k'));
  const value = fc.oneof(fc.constantFrom('Refund', '"How?"', "'a b'", '[web, sms]', '[]', 'true', ''), phrase, phrase.map((p) => `"${p}"`), phrase.map((p) => `'${p}'`), phrase.map((p) => `[${p}]`));
  const keyLine = fc
    .tuple(key, fc.constantFrom(':', ': ', ':  ', ' :', ':x', ''), value, fc.oneof({ weight: 3, arbitrary: fc.constant('') }, fc.constantFrom(' ', ' # c', '#c', 'x', '  #', '"')))
    .map((parts) => parts.join(''));
  const line = fc.oneof({ weight: 4, arbitrary: keyLine }, { weight: 1, arbitrary: phrase });
  const src = fc.array(line, { maxLength: 6 }).map((xs) => xs.join('\n'));

  it('reads what the regex reader it replaced reads, and leaves what it left', () => {
    let answered = 0;
    fc.assert(
      fc.property(src, (text) => {
        const fast = readSimpleFrontMatter(text);
        const before = regexReader(text);
        if (fast !== undefined) answered++;
        expect(fast === undefined ? undefined : Object.entries(fast)).toStrictEqual(before === undefined ? undefined : Object.entries(before));
      }),
      { numRuns: 50_000 },
    );
    expect(answered).toBeGreaterThan(2_000);
  });
});

// The reader as it was before the one-pass walk (a regex per line), kept as the reference.
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
/**
 * Printable characters (and line feeds) only: no tabs, no other line breaks (NEL, U+2028/9), no BOM, no
 * surrogates. js-yaml refuses some others; with these alone, both parsers read the text the same way.
 */
const PRINTABLE = /^[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;
const DOUBLE = /^"([^"\\]*)"(?: +#.*)?$/;
const SINGLE = /^'([^']*)'(?: +#.*)?$/;
const FLOW = /^\[([^[\]{}#"']*)\](?: +#.*)?$/;
/**
 * A plain scalar starting with a letter: no ':' or '#' (which could start a mapping or a comment). Other
 * characters beyond ASCII are kept out by PRINTABLE, checked on the whole text first.
 */
const PLAIN = /^[A-Za-z_\u00c0-\uffff][A-Za-z0-9 _\-./()?!'&%@+=,\u00a0-\uffff]*$/;
const PLAIN_IN_FLOW = /^[A-Za-z_\u00c0-\uffff][A-Za-z0-9 _\-./()?!&%@+=\u00a0-\uffff]*$/;
const BOOLEAN = new Map([['true', true], ['True', true], ['TRUE', true], ['false', false], ['False', false], ['FALSE', false]]);
const NULL = new Set(['null', 'Null', 'NULL', '~']);

const UNSURE = Symbol('unsure');

/** Spaces only: YAML's trimming, not JavaScript's (which also takes U+00A0 and other Unicode spaces). */
const trimSpaces = (s: string) => s.replace(/^ +| +$/g, '');

function plain(text: string, pattern: RegExp): unknown {
  const v = trimSpaces(text);
  if (!pattern.test(v)) return UNSURE;
  const b = BOOLEAN.get(v);
  if (b !== undefined) return b;
  return NULL.has(v) ? null : v;
}

function scalar(text: string): unknown {
  if (text === '' || /^ +$/.test(text)) return null;
  const quoted = DOUBLE.exec(text) ?? SINGLE.exec(text);
  if (quoted) return quoted[1];
  const flow = FLOW.exec(text);
  if (flow) {
    const inner = flow[1] as string;
    if (/^ *$/.test(inner)) return [];
    const items = inner.split(',').map(trimSpaces);
    const values = items.map((s) => (s === '' ? UNSURE : plain(s, PLAIN_IN_FLOW)));
    return values.includes(UNSURE) ? UNSURE : values;
  }
  return text.startsWith('[') || text.startsWith('{') ? UNSURE : plain(text, PLAIN);
}

/** The front-matter's data when it has the simple shape, else undefined (read it with a YAML parser). */
function regexReader(src: string): Record<string, unknown> | undefined {
  if (!PRINTABLE.test(src)) return undefined;
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const line of src.split('\n')) {
    if (/^ *$/.test(line) || line.startsWith('#')) continue;
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    const key = m[1] as string;
    // Keys YAML reads as something other than their text, or that JavaScript objects treat specially.
    if (seen.has(key) || key === '__proto__' || BOOLEAN.has(key) || NULL.has(key)) return undefined;
    seen.add(key);
    const v = scalar(m[2] ?? '');
    if (v === UNSURE) return undefined;
    out[key] = v;
  }
  return out;
}
