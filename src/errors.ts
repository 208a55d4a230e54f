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
  return hidePieces(text, secretForms(secret));
}

/** The key as it may travel: raw, URL-encoded, and base64 at each of the three byte alignments. */
function secretForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  for (const pad of ['', 'x', 'xx']) {
    const b64 = Buffer.from(pad + secret).toString('base64');
    // The first group mixes in the bytes before the key; the last one the bytes after it, unless the key
    // ends the encoded text (then it is the key's own tail, with its padding).
    forms.push(b64.slice(pad ? 4 : 0), b64.slice(pad ? 4 : 0, -4));
  }
  return forms;
}

/** Replaces every run of text covered by 8-character pieces of the forms (compared without case) with "***". */
function hidePieces(text: string, forms: string[]): string {
  const pieces = new Set<string>();
  for (const form of forms.map(fold)) for (let i = 0; i + MIN_PART <= form.length; i++) pieces.add(form.slice(i, i + MIN_PART));
  const folded = fold(text);
  const hidden = new Uint8Array(text.length);
  for (let i = 0; i + MIN_PART <= folded.length; i++) if (pieces.has(folded.slice(i, i + MIN_PART))) hidden.fill(1, i, i + MIN_PART);
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (!hidden[i]) {
      out += text[i++];
      continue;
    }
    while (i < text.length && hidden[i]) i++;
    out += '***';
  }
  return out;
}

/** Lower case one UTF-16 unit at a time, so positions in the folded text are positions in the text. */
function fold(s: string): string {
  let out = '';
  for (const unit of s.split('')) {
    const lower = unit.toLowerCase();
    out += lower.length === 1 ? lower : unit;
  }
  return out;
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
