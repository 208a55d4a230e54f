// Canonical JSON (object keys sorted at every level) and its sha256. A top-level array goes into the hash
// one element at a time: a plan of 100,000 creates is fingerprinted without ever holding its whole text.
import { createHash } from 'node:crypto';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Each object shape's keys, sorted, with their JSON text: a plan holds thousands of objects of a few
 * shapes, so each shape is sorted once. Bounded, as shapes can come from the server (metadata keys).
 */
const shapes = new Map<string, { keys: string[]; sorted: [string, string][] }>();
const MAX_SHAPES = 1000;

function sortedKeys(o: object): [string, string][] {
  const keys = Object.keys(o);
  const sig = keys.join('\u0000');
  const known = shapes.get(sig);
  // The signature of ["a\u0000b"] is that of ["a", "b"]: a shape is reused only for the very same keys.
  if (known && known.keys.length === keys.length && known.keys.every((k, i) => k === keys[i])) return known.sorted;
  const sorted = [...keys].sort(byCodeUnit).map((k): [string, string] => [k, `${JSON.stringify(k)}:`]);
  if (shapes.size < MAX_SHAPES) shapes.set(sig, { keys, sorted });
  return sorted;
}

function text(v: unknown): string {
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

/** sha256 (hex) of canonicalJson(v); an array's elements are hashed one by one, never joined. */
export function canonicalSha256(v: unknown): string {
  const hash = createHash('sha256');
  if (!Array.isArray(v)) return hash.update(text(v)).digest('hex');
  hash.update('[');
  for (let i = 0; i < v.length; i++) hash.update((i ? ',' : '') + text(v[i]));
  return hash.update(']').digest('hex');
}
