// Large JSON output (`plan --json`), written in pieces: exactly JSON.stringify(value, null, 2) plus a
// newline, without building that text as one string (which 100,000s of changes would push past V8's
// maximum string length) and with the stream's backpressure respected.
import type { Writable } from 'node:stream';
import { redact } from '../errors.js';

/** Pieces are joined into writes of about this many characters. */
const CHUNK = 64 * 1024;

const indented = (v: unknown, pad: string): string | undefined => JSON.stringify(v, null, 2)?.replace(/\n/g, `\n${pad}`);

/** Elements of a top-level array written by one JSON.stringify call: one call and no re-indenting per element. */
const ELEMENTS = 256;

/**
 * The text of JSON.stringify(value, null, 2), in pieces: the top level, and its arrays in runs of elements,
 * never cutting an element (nor so a string). Values JSON cannot hold are left out (or null in an array),
 * as JSON.stringify does.
 */
export function* jsonPieces(value: object): Generator<string> {
  if (Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    yield JSON.stringify(value, null, 2);
    return;
  }
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    const element = Array.isArray(v) && v.length > 0 ? v : undefined;
    const text = element ? '' : indented(v, '  ');
    if (text === undefined) continue;
    yield `${first ? '{' : ','}\n  ${JSON.stringify(k)}: `;
    first = false;
    if (!element) {
      yield text;
      continue;
    }
    for (let i = 0; i < element.length; i += ELEMENTS) yield `${i ? ',' : '['}\n${elementsText(element.slice(i, i + ELEMENTS))}`;
    yield '\n  ]';
  }
  yield first ? '{}' : '\n}';
}

/**
 * Elements as they stand in the document (two levels deep: four spaces), joined by ",\n": written inside
 * an array inside an array, which puts them at that depth, then cut out of "[\n  [\n" and "\n  ]\n]".
 */
function elementsText(elements: unknown[]): string {
  return JSON.stringify([elements], null, 2).slice(6, -6);
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` and a newline, piece by piece, with `secret` hidden
 * (a piece never splits a string, so a key inside one is always whole in one piece).
 */
export async function writeJson(out: Writable, value: object, secret?: string): Promise<void> {
  let buf = '';
  const flush = async () => {
    const chunk = buf;
    buf = '';
    // Gone during the last wait (the reader closed): a write now emits no event a wait could end on.
    if (out.destroyed) return;
    if (!out.write(chunk)) await drained(out);
  };
  // With a secret, each piece (a run of elements) is redacted as a whole: a key inside a string is always
  // whole in one piece. (A piece per element meant 10,000 JSON.stringify calls and re-indentings: with
  // the key set, as in the Action, that was most of what plan --json cost beyond the plan itself.)
  for (const piece of jsonPieces(value)) {
    // A reader that stopped early (`plan --json | head`): the rest has nowhere to go.
    if (out.destroyed) return;
    buf += secret ? redact(piece, secret) : piece;
    if (buf.length >= CHUNK) await flush();
  }
  buf += '\n';
  await flush();
}

/** Room in the stream again, or the stream gone (an error or a close): a wait that always ends. */
function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    // Already gone: its 'close' was emitted before this wait began.
    if (out.destroyed) return resolve();
    const done = () => {
      out.off('drain', done).off('error', done).off('close', done);
      resolve();
    };
    out.on('drain', done).on('error', done).on('close', done);
  });
}
