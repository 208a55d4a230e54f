// The few error classes. cli/exit.ts turns them into messages, the JSON error document and exit codes;
// action/main.ts into a failed job.
import type { Issue } from './core/issue.js';

/** Shorter keys are too likely to occur inside ordinary words: they are hidden only where they stand alone. */
const MIN_PART = 8;

/**
 * Hides the secret in every form a server or a URL may show it: whole or any piece of 8 characters or
 * more (a prefix, a tail, the middle), in any letter case, URL-encoded or base64-encoded (Basic auth,
 * an echoed header). Run it before text is cut to length, never after.
 */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  if (secret.length < MIN_PART) {
    const word = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(secret)}(?![\\p{L}\\p{N}_])`, 'gu');
    return text.replace(word, '***');
  }
  return hidePieces(text, piecesOf(secret));
}

/** The key as it may travel: raw, URL-encoded, escaped in JSON text, and base64 at each of the three byte alignments. */
export function secretForms(secret: string): string[] {
  // JSON output is redacted as text: a key with a quote, a backslash or a control character stands escaped there.
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  for (const pad of ['', 'x', 'xx']) {
    const b64 = Buffer.from(pad + secret).toString('base64');
    // The first group mixes in the bytes before the key; the last one the bytes after it, unless the key
    // ends the encoded text (then it is the key's own tail, with its padding).
    forms.push(b64.slice(pad ? 4 : 0), b64.slice(pad ? 4 : 0, -4));
  }
  return forms;
}

/** Every 8-unit piece of the key's forms, folded, by the hash of its window (exact pieces to check). */
type Pieces = Map<number, string[]>;

/** The last key's pieces: `plan --json` redacts each of thousands of elements with the same key. */
let lastPieces: { secret: string; pieces: Pieces } | undefined;

function piecesOf(secret: string): Pieces {
  if (lastPieces?.secret === secret) return lastPieces.pieces;
  const pieces: Pieces = new Map();
  for (const form of secretForms(secret)) {
    const f = foldedUnits(form);
    for (let i = 0; i + MIN_PART <= f.length; i++) {
      const piece = String.fromCharCode(...f.subarray(i, i + MIN_PART));
      const h = windowHash(f, i);
      const known = pieces.get(h);
      if (!known) pieces.set(h, [piece]);
      else if (!known.includes(piece)) known.push(piece);
    }
  }
  lastPieces = { secret, pieces };
  return pieces;
}

/**
 * Replaces every run of text covered by 8-character pieces of the key's forms (compared without case) with "***".
 * One pass with a rolling hash of each 8-unit window, checked exactly on a hit: `plan --json` of 10,000
 * trainings is megabytes, and a slice and a string lookup per position (or a string built one
 * character at a time) made that seconds of CPU and hundreds of MB whenever the key was set.
 */
function hidePieces(text: string, pieces: Pieces): string {
  if (text.length < MIN_PART) return text;
  const f = foldedUnits(text);
  let out = '';
  let kept = 0; // text before this offset is written out (or hidden)
  let runStart = -1;
  let runEnd = -1; // the hidden run being grown: [runStart, runEnd)
  let h = windowHash(f, 0);
  for (let i = 0; i + MIN_PART <= f.length; i++) {
    if (i > 0) h = (Math.imul((h - Math.imul(f[i - 1] as number, TOP)) | 0, BASE) + (f[i + MIN_PART - 1] as number)) | 0;
    const candidates = pieces.get(h);
    if (!candidates || !candidates.some((p) => sameUnits(f, i, p))) continue;
    // Windows that overlap or touch make one hidden run, as one "***".
    if (runStart >= 0 && i <= runEnd) {
      runEnd = i + MIN_PART;
      continue;
    }
    if (runStart >= 0) {
      out += `${text.slice(kept, runStart)}***`;
      kept = runEnd;
    }
    runStart = i;
    runEnd = i + MIN_PART;
  }
  if (runStart < 0) return text;
  return `${out}${text.slice(kept, runStart)}***${text.slice(runEnd)}`;
}

const BASE = 0x01000193;
/** BASE to the power MIN_PART - 1 (mod 2^32): what the unit leaving a window contributed to its hash. */
const TOP = Array.from({ length: MIN_PART - 1 }).reduce<number>((p) => Math.imul(p, BASE), 1);

/** A 32-bit polynomial hash of the MIN_PART units from `at`. */
function windowHash(f: Uint16Array, at: number): number {
  let h = 0;
  for (let k = 0; k < MIN_PART && at + k < f.length; k++) h = (Math.imul(h, BASE) + (f[at + k] as number)) | 0;
  return h;
}

function sameUnits(f: Uint16Array, at: number, piece: string): boolean {
  for (let k = 0; k < MIN_PART; k++) if (f[at + k] !== piece.charCodeAt(k)) return false;
  return true;
}

/** Lower case one UTF-16 unit at a time, so positions in the folded text are positions in the text. */
function foldedUnits(s: string): Uint16Array {
  const out = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = foldUnit(s.charCodeAt(i));
  return out;
}

const foldedBeyondAscii = new Map<number, number>();

function foldUnit(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  let f = foldedBeyondAscii.get(c);
  if (f === undefined) {
    const lower = String.fromCharCode(c).toLowerCase();
    // A unit whose lower case is longer (U+0130) stays as it is, so positions still line up.
    f = lower.length === 1 ? lower.charCodeAt(0) : c;
    foldedBeyondAscii.set(c, f);
  }
  return f;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ESC/CSI/OSC sequences whole (so no "[2J" is left behind), then any other control character.
const SEQUENCES = /\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]?/g;
const SPACES = /[\r\n\t\v\f]+/g;
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the server made safe to print: no escape sequences, no line breaks, no bidi overrides. */
export function stripControl(text: string): string {
  return text.replace(SEQUENCES, '').replace(SPACES, ' ').replace(CONTROLS, '');
}

/**
 * Text with every control character (and bidi override) shown as a `\uXXXX` escape instead of removed:
 * for diff lines, where a change that is only a NUL or an escape must still be seen.
 */
export function showControl(text: string): string {
  return text.replace(CONTROLS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Server text made safe to show: printable, and without the key. Stripped first, then redacted: the
 * other way round, pieces of the key split by control characters escape redaction and are then joined.
 */
export function cleanText(text: string, secret: string | undefined): string {
  return redact(stripControl(text), secret);
}

/** Something the user can fix: bad config, a damaged state file, a held lock. The message says what to do. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A wrong command line: an unknown flag, a bad value, a missing --yes. Nothing was read or sent. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The training files are invalid: every issue of every file, reported at once. Nothing was sent. */
export class InvalidFilesError extends Error {
  override name = 'InvalidFilesError';
  constructor(
    readonly issues: Issue[],
    readonly files: number,
    summary: string,
  ) {
    super(summary);
  }
}

/** The confirmation was not answered "yes": nothing was sent. */
export class CancelledError extends UserError {
  override name = 'CancelledError';
}

/** A failed API call: method, path, status and the API's own message, never headers or the key. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | null,
    readonly apiMessage: string,
    /** True when the server may have acted on the request although we got no answer. */
    readonly ambiguous: boolean,
  ) {
    super(`${method} ${path} failed: ${status === null ? '' : `${status} `}${apiMessage}${hintFor(status, method)}`);
  }
}

function hintFor(status: number | null, method: string): string {
  if (status === 401) return ' (the API key is missing or wrong: set OPENCX_API_KEY)';
  if (status === 403) {
    const scope = method === 'GET' ? 'training:read' : 'training:write';
    return ` (the API key lacks the ${scope} scope: create a key with it in Settings > Access)`;
  }
  return '';
}
