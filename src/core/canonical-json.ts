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
    for (const [k, quoted] of sortedKeys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      s += (s.length > 1 ? ',' : '') + quoted + text(x);
    }
    return `${s}}`;
  }
  return JSON.stringify(v ?? null);
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  return text(v);
}

/** Text is handed to the hash in pieces of about this many characters: one update per element costs more than it hashes. */
const BATCH = 64 * 1024;

/**
 * sha256 (hex) of the canonical JSON of an array whose elements' canonical text `textOf` gives (a
 * writer specialised for the elements' shape, or canonicalJson). Hashed in batches, never joined whole.
 */
export function canonicalArraySha256<T>(items: readonly T[], textOf: (item: T) => string): string {
  let buf = '[';
  let hash: ReturnType<typeof createHash> | undefined;
  for (let i = 0; i < items.length; i++) {
    buf += (i ? ',' : '') + textOf(items[i] as T);
    if (buf.length < BATCH) continue;
    (hash ??= createHash('sha256')).update(buf);
    buf = '';
  }
  buf += ']';
  return hash ? hash.update(buf).digest('hex') : sha256Hex(buf);
}

/** sha256 (hex) of canonicalJson(v); an array's elements are hashed in batches, never all joined. */
export function canonicalSha256(v: unknown): string {
  return Array.isArray(v) ? canonicalArraySha256(v, text) : sha256Hex(text(v));
}
