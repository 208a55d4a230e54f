// The streamed plan JSON and the streamed fingerprint are the same text as the one-string versions they
// replace, for any JSON value: checked against JSON.stringify and the former canonicalJson.
import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalSha256 } from '../../src/core/canonical-json.js';
import { createHash } from 'node:crypto';
import { jsonPieces, writeJson } from '../../src/io/json-out.js';
import { redact } from '../../src/errors.js';

/** canonicalJson as plan.ts had it before it was streamed: the reference. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${reference(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

// Objects with undefined values and keys in any order (the plan's changes have both), long strings included.
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(undefined)),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 5 })),
})).node;
const topLevel = fc.dictionary(fc.string(), fc.oneof(value, fc.array(value, { maxLength: 30 })), { maxKeys: 8 });

describe('canonical JSON, streamed into the hash', () => {
  it('is the former canonicalJson, and its sha256, for any value', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = reference(v);
        expect(canonicalJson(v)).toBe(text);
        expect(canonicalSha256(v)).toBe(createHash('sha256').update(text).digest('hex'));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes text longer than one chunk the same (a plan of many changes)', () => {
    const changes = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, fields: { content: 'x'.repeat(i % 97), title: `t${i}` }, gone: undefined }));
    expect(canonicalSha256(changes)).toBe(createHash('sha256').update(reference(changes)).digest('hex'));
  });
});

describe('streamed JSON output', () => {
  it('is JSON.stringify(value, null, 2) for any object', () => {
    fc.assert(
      fc.property(topLevel, (v) => {
        expect([...jsonPieces(v)].join('')).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 2000 },
    );
  });

  it('is the same text with arrays longer than one run of elements', () => {
    const long = fc.dictionary(fc.string(), fc.oneof(value, fc.array(value, { minLength: 200, maxLength: 700 })), { maxKeys: 4 });
    fc.assert(
      fc.property(long, (v) => {
        expect([...jsonPieces(v)].join('')).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 80 },
    );
  });

  it('with a key, is the text redact() makes of the whole document, the key hidden in every run of elements', async () => {
    const key = 'k3y-Secret-Value-1234';
    const plan = { changes: Array.from({ length: 700 }, (_, i) => ({ key: `k${i}`, title: i % 97 === 5 ? `see ${key.toUpperCase()} here` : `t${i}` })) };
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeJson(out, plan, key);
    out.end();
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toBe(`${redact(JSON.stringify(plan, null, 2), key)}\n`);
    expect(text.split('see *** here').length - 1).toBe(8);
  });

  it('writes the text and a newline through a stream that pushes back', async () => {
    const plan = { format_version: 2, changes: Array.from({ length: 5000 }, (_, i) => ({ key: `k${i}`, after: { title: `"t"\n${i}` } })), drift: null };
    // A small buffer: write() returns false and the writer has to wait for 'drain' many times.
    const out = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeJson(out, plan);
    out.end();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`${JSON.stringify(plan, null, 2)}\n`);
  });
});

describe('streamed JSON output to a reader that closed', () => {
  it('returns when the stream is destroyed during the wait that the last piece started', async () => {
    // The object's closing "\n}" is what fills the chunk: its flush waits, the reader goes away during
    // that wait, and the final newline is then written to a destroyed stream, which emits nothing more.
    const value = { a: 'x'.repeat(64 * 1024 - 12) };
    const out = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        setImmediate(() => {
          out.destroy();
          cb();
        });
      },
    });
    out.on('error', () => undefined);
    let returned = false;
    const closed = new Promise((r) => out.once('close', r));
    const writing = writeJson(out, value).then(() => (returned = true));
    await closed;
    // Nothing is left to wait for once the stream closed: the writer ends within the next turn.
    await new Promise(setImmediate);
    expect(returned).toBe(true);
    await writing;
  });
});
