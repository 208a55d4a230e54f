// Canonical JSON (object keys sorted at every level) and its sha256. A top-level array goes into the hash
// in batches of elements: a plan of 100,000 creates is fingerprinted without ever holding its whole text.
import { createHash } from 'node:crypto';
import { sha256Hex } from './hash.js';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Each object shape's keys, sorted, with their JSON text: a plan holds thousands of objects of a few
 * shapes, so each shape is sorted once. Bounded, as shapes can come from the server (metadata keys).
 */
const shapes = new Map<string, { keys: string[]; sorted: [string, string][] }>();
const MAX_SHAPES = 1000;

/** An object's own enumerable keys in code-unit order, each with its JSON text and a colon (`"key":`). */
export function sortedKeys(o: object): readonly (readonly [string, string])[] {
  const keys = Object.keys(o);
  // Objects come in runs of one shape (10,000 creates): the last shape is checked before any lookup.
  if (last && sameKeys(last.keys, keys)) return last.sorted;
  const sig = keys.join('\u0000');
  const known = shapes.get(sig);
  // The signature of ["a\u0000b"] is that of ["a", "b"]: a shape is reused only for the very same keys.
  if (known && sameKeys(known.keys, keys)) return (last = known).sorted;
  const sorted = [...keys].sort(byCodeUnit).map((k): [string, string] => [k, `${JSON.stringify(k)}:`]);
  last = { keys, sorted };
  if (shapes.size < MAX_SHAPES) shapes.set(sig, last);
  return sorted;
}

let last: { keys: string[]; sorted: [string, string][] } | undefined;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function text(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + text(v[i]);
    return `${s}]`;
  }
  if (v && typeof v === 'object') {
    let s = '{';
    // No destructuring in the loop: cold, in V8's interpreter, it makes an iterator per key.
    const keys = sortedKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as readonly [string, string];
      const x = (v as Record<string, unknown>)[key[0]];
      if (x === undefined) continue;
      s += (s.length > 1 ? ',' : '') + key[1] + text(x);
    }
    return `${s}}`;
  }
  return JSON.stringify(v ?? null);
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  return text(v);
}

/** Text is handed to the hash in pieces of about this many parts: one update per element costs more than it hashes. */
const PARTS = 4096;

/**
 * sha256 (hex) of the canonical JSON of an array, each element's canonical text pushed in parts by
 * `write` (a writer specialised for the elements' shape, or canonicalJson's). The parts are joined and
 * hashed in batches: never the whole text at once, and no string built per element.
 */
export function canonicalArraySha256<T>(items: readonly T[], write: (item: T, parts: string[]) => void): string {
  const parts: string[] = ['['];
  let hash: ReturnType<typeof createHash> | undefined;
  for (let i = 0; i < items.length; i++) {
    if (i) parts.push(',');
    write(items[i] as T, parts);
    if (parts.length < PARTS) continue;
    (hash ??= createHash('sha256')).update(parts.join(''));
    parts.length = 0;
  }
  parts.push(']');
  const rest = parts.join('');
  return hash ? hash.update(rest).digest('hex') : sha256Hex(rest);
}

/** sha256 (hex) of canonicalJson(v); an array's elements are hashed in batches, never all joined. */
export function canonicalSha256(v: unknown): string {
  return Array.isArray(v) ? canonicalArraySha256(v, (x, parts) => parts.push(text(x))) : sha256Hex(text(v));
}
