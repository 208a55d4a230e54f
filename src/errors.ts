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
  return hidePieces(text, matcherOf(secret));
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

/**
 * The pieces as one automaton (Aho-Corasick): a state per prefix of a piece, and a full table of moves
 * by symbol (each distinct folded unit of the pieces). Reading the text is then one table step per
 * character, whatever the number of pieces: `plan --json` of 10,000 trainings is megabytes of text.
 */
interface Automaton {
  kind: 'automaton';
  /** Symbol of each folded unit that occurs in a piece; -1 for every other unit. */
  symbolOf: Map<number, number>;
  /** Symbols of the ASCII units (the usual text), looked up without the map. */
  ascii: Int16Array;
  symbols: number;
  /** moves[state * symbols + symbol]: the next state. */
  moves: Int32Array;
  /** States at depth MIN_PART: a whole piece has just been read. */
  whole: Uint8Array;
}

/**
 * The table has (states x symbols) moves: for a key of hundreds of characters that are not ASCII (a wrong
 * value pasted into OPENCX_API_KEY), that is gigabytes. Past this many moves (16 MB), each window of
 * the text is looked up among the pieces instead: slower, but in memory the size of the pieces.
 */
const MAX_MOVES = 1 << 22;

type Matcher = Automaton | { kind: 'pieces'; pieces: Set<string> };

/** The last key's matcher: `plan --json` redacts each of thousands of elements with the same key. */
let lastMatcher: { secret: string; matcher: Matcher } | undefined;

function matcherOf(secret: string): Matcher {
  if (lastMatcher?.secret === secret) return lastMatcher.matcher;
  const pieces = new Set<string>();
  for (const form of secretForms(secret)) {
    let f = '';
    for (let i = 0; i < form.length; i++) f += String.fromCharCode(foldUnit(form.charCodeAt(i)));
    for (let i = 0; i + MIN_PART <= f.length; i++) pieces.add(f.slice(i, i + MIN_PART));
  }
  const symbolOf = new Map<number, number>();
  for (const p of pieces) for (let k = 0; k < p.length; k++) if (!symbolOf.has(p.charCodeAt(k))) symbolOf.set(p.charCodeAt(k), symbolOf.size);
  const symbols = Math.max(1, symbolOf.size);
  if ((pieces.size * MIN_PART + 1) * symbols > MAX_MOVES) {
    lastMatcher = { secret, matcher: { kind: 'pieces', pieces } };
    return lastMatcher.matcher;
  }
  // The trie of the pieces: children[state][symbol], state 0 the root.
  const children: Int32Array[] = [new Int32Array(symbols).fill(-1)];
  const depth = [0];
  for (const p of pieces) {
    let state = 0;
    for (let k = 0; k < p.length; k++) {
      const sym = symbolOf.get(p.charCodeAt(k)) as number;
      let next = (children[state] as Int32Array)[sym] as number;
      if (next < 0) {
        next = children.length;
        children.push(new Int32Array(symbols).fill(-1));
        depth.push(k + 1);
        (children[state] as Int32Array)[sym] = next;
      }
      state = next;
    }
  }
  const moves = completeMoves(children, symbols);
  const whole = new Uint8Array(children.length);
  depth.forEach((d, state) => (whole[state] = d === MIN_PART ? 1 : 0));
  const ascii = new Int16Array(0x80).fill(-1);
  for (let c = 0; c < 0x80; c++) ascii[c] = symbolOf.get(foldUnit(c)) ?? -1;
  const matcher: Automaton = { kind: 'automaton', symbolOf, ascii, symbols, moves, whole };
  lastMatcher = { secret, matcher };
  return matcher;
}

/**
 * The trie's missing moves filled in breadth first from each state's longest proper suffix that is a
 * state too (its failure link), so that reading never steps back. Every piece has the same length, so
 * only a state at that depth ends one.
 */
function completeMoves(children: Int32Array[], symbols: number): Int32Array {
  const moves = new Int32Array(children.length * symbols);
  const fail = new Int32Array(children.length);
  const queue: number[] = [];
  for (let sym = 0; sym < symbols; sym++) {
    const child = (children[0] as Int32Array)[sym] as number;
    moves[sym] = child < 0 ? 0 : child;
    if (child >= 0) queue.push(child);
  }
  for (let q = 0; q < queue.length; q++) {
    const state = queue[q] as number;
    for (let sym = 0; sym < symbols; sym++) {
      const child = (children[state] as Int32Array)[sym] as number;
      const viaFail = moves[(fail[state] as number) * symbols + sym] as number;
      if (child < 0) moves[state * symbols + sym] = viaFail;
      else {
        moves[state * symbols + sym] = child;
        fail[child] = viaFail;
        queue.push(child);
      }
    }
  }
  return moves;
}

/**
 * Replaces every run of text covered by 8-character pieces of the key's forms (compared without case)
 * with "***", in one pass. A slice and a string lookup per position, and a string built one character
 * at a time, made `plan --json` of 10,000 trainings seconds of CPU and hundreds of MB with the key set.
 */
function hidePieces(text: string, m: Matcher): string {
  const hidden = new HiddenRuns(text);
  if (m.kind === 'pieces') {
    let folded = '';
    for (let i = 0; i < text.length; i++) folded += String.fromCharCode(foldUnit(text.charCodeAt(i)));
    for (let i = 0; i + MIN_PART <= folded.length; i++) if (m.pieces.has(folded.slice(i, i + MIN_PART))) hidden.add(i, i + MIN_PART);
    return hidden.text();
  }
  let state = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const sym = c < 0x80 ? (m.ascii[c] as number) : (m.symbolOf.get(foldUnit(c)) ?? -1);
    if (sym < 0) {
      state = 0;
      continue;
    }
    state = m.moves[state * m.symbols + sym] as number;
    if (m.whole[state]) hidden.add(i + 1 - MIN_PART, i + 1);
  }
  return hidden.text();
}

/** The text with each run of hidden pieces as one "***": pieces that overlap or touch make one run. */
class HiddenRuns {
  private out = '';
  private kept = 0; // text before this offset is written out (or hidden)
  private runStart = -1;
  private runEnd = -1; // the run being grown: [runStart, runEnd)

  constructor(private readonly source: string) {}

  /** A piece found at [start, end); pieces come in the order of their starts. */
  add(start: number, end: number): void {
    if (this.runStart >= 0 && start <= this.runEnd) {
      this.runEnd = end;
      return;
    }
    if (this.runStart >= 0) {
      this.out += `${this.source.slice(this.kept, this.runStart)}***`;
      this.kept = this.runEnd;
    }
    this.runStart = start;
    this.runEnd = end;
  }

  text(): string {
    if (this.runStart < 0) return this.source;
    return `${this.out}${this.source.slice(this.kept, this.runStart)}***${this.source.slice(this.runEnd)}`;
  }
}

/** Lower case one UTF-16 unit at a time, so positions in the folded text are positions in the text. */
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
