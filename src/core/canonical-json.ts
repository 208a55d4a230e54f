// Canonical JSON (object keys sorted at every level) and its sha256, written piece by piece into the
// hash: a plan of 100,000 creates is fingerprinted without ever holding its whole text as one string.
import { createHash, type Hash } from 'node:crypto';

/** Pieces are joined into chunks of about this many characters before they go to the hash. */
const CHUNK = 64 * 1024;

class Sink {
  private buf = '';
  constructor(private readonly flush: (s: string) => void) {}
  write(s: string): void {
    this.buf += s;
    if (this.buf.length >= CHUNK) this.end();
  }
  end(): void {
    if (this.buf) this.flush(this.buf);
    this.buf = '';
  }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function write(v: unknown, out: Sink): void {
  if (Array.isArray(v)) {
    out.write('[');
    for (let i = 0; i < v.length; i++) {
      if (i) out.write(',');
      write(v[i], out);
    }
    out.write(']');
  } else if (v && typeof v === 'object') {
    out.write('{');
    let first = true;
    for (const k of Object.keys(v).sort(byCodeUnit)) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      out.write(first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`);
      first = false;
      write(x, out);
    }
    out.write('}');
  } else out.write(JSON.stringify(v ?? null));
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  const parts: string[] = [];
  const out = new Sink((s) => parts.push(s));
  write(v, out);
  out.end();
  return parts.join('');
}

/** sha256 (hex) of canonicalJson(v), streamed into the hash. */
export function canonicalSha256(v: unknown): string {
  const hash: Hash = createHash('sha256');
  const out = new Sink((s) => hash.update(s));
  write(v, out);
  out.end();
  return hash.digest('hex');
}
