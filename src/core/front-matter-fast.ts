// The quick reading of a front-matter, for the shape nearly every training file has: one `key: value`
// per line, the value a quoted string, a plain word or phrase, true/false/null, or a one-line [list].
// Anything else (or anything it is unsure of) returns undefined and takes the YAML parsers' path.
// test/unit/front-matter-fast.test.ts proves it reads exactly what js-yaml and `yaml` read.

/**
 * Printable characters (and line feeds) only: no tabs, no other line breaks (NEL, U+2028/9), no BOM, no
 * surrogates. js-yaml refuses some others; with these alone, both parsers read the text the same way.
 */
const PRINTABLE = /^[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;
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

const SPACE = 32;

/** Spaces only: YAML's trimming, not JavaScript's (which also takes U+00A0 and other Unicode spaces). */
function trimSpaces(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && s.charCodeAt(from) === SPACE) from++;
  while (to > from && s.charCodeAt(to - 1) === SPACE) to--;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}

function plain(text: string, pattern: RegExp): unknown {
  const v = trimSpaces(text);
  if (!pattern.test(v)) return UNSURE;
  const b = BOOLEAN.get(v);
  if (b !== undefined) return b;
  return NULL.has(v) ? null : v;
}

/** Nothing after `from` but, optionally, spaces then a comment: what ` +#.*` allows after a closing quote or bracket. */
function onlyComment(text: string, from: number): boolean {
  if (from === text.length) return true;
  let i = from;
  while (text.charCodeAt(i) === SPACE) i++;
  return i > from && text.charCodeAt(i) === 0x23; // '#'
}

/**
 * A quoted value: the text between the quotes when nothing in it needs reading (no backslash in
 * double quotes, no second quote in single ones) and only a comment follows; else UNSURE.
 * What DOUBLE and SINGLE matched, found with indexOf (no match array per line).
 */
function quoted(text: string, quote: '"' | "'"): unknown {
  const close = text.indexOf(quote, 1);
  if (close === -1 || !onlyComment(text, close + 1)) return UNSURE;
  const inner = text.slice(1, close);
  return quote === '"' && inner.includes('\\') ? UNSURE : inner;
}

function scalar(text: string): unknown {
  if (text === '' || /^ +$/.test(text)) return null;
  // A value opening with a quote or a bracket is that or unsure: as a plain scalar it is not ours.
  if (text.startsWith('"')) return quoted(text, '"');
  if (text.startsWith("'")) return quoted(text, "'");
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

/** Where a key of KEY_LINE ends (its ':' is there), or -1 when the line does not start with one. */
function keyEnd(src: string, from: number, to: number): number {
  let i = from;
  for (; i < to; i++) {
    const c = src.charCodeAt(i);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f; // a-z A-Z _
    if (letter || (i > from && ((c >= 0x30 && c <= 0x39) || c === 0x2d))) continue; // then also 0-9 -
    break;
  }
  return i > from && i < to && src.charCodeAt(i) === 0x3a ? i : -1; // ':'
}

/**
 * The front-matter's data when it has the simple shape, else undefined (read it with a YAML parser).
 * One walk over the lines, cut where they are used: what split('\n') and KEY_LINE read, without a
 * list of lines or a match per line (test/unit/front-matter-fast.test.ts holds the regex reading
 * this replaced, and checks the two agree).
 */
export function readSimpleFrontMatter(src: string): Record<string, unknown> | undefined {
  if (!PRINTABLE.test(src)) return undefined;
  const out: Record<string, unknown> = {};
  for (let start = 0; start <= src.length; ) {
    const newline = src.indexOf('\n', start);
    const end = newline === -1 ? src.length : newline;
    let i = start;
    while (i < end && src.charCodeAt(i) === SPACE) i++;
    // Blank lines and comments are skipped; anything else must be `key:` then nothing, or spaces and a value.
    if (i < end && src.charCodeAt(start) !== 0x23) {
      const colon = keyEnd(src, start, end);
      if (colon === -1 || (colon + 1 < end && src.charCodeAt(colon + 1) !== SPACE)) return undefined;
      const key = src.slice(start, colon);
      // Keys YAML reads as something other than their text, or that JavaScript objects treat specially.
      if (Object.hasOwn(out, key) || key === '__proto__' || BOOLEAN.has(key) || NULL.has(key)) return undefined;
      let v = colon + 1;
      while (v < end && src.charCodeAt(v) === SPACE) v++;
      const value = scalar(src.slice(v, end));
      if (value === UNSURE) return undefined;
      out[key] = value;
    }
    start = end + 1;
  }
  return out;
}
