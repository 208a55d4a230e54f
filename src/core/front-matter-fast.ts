// The quick reading of a front-matter, for the shape nearly every training file has: one `key: value`
// per line, the value a quoted string, a plain word or phrase, true/false/null, or a one-line [list].
// Anything else (or anything it is unsure of) returns undefined and takes the YAML parsers' path.
// test/unit/front-matter-fast.test.ts proves it reads exactly what js-yaml and `yaml` read.

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
export function readSimpleFrontMatter(src: string): Record<string, unknown> | undefined {
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
