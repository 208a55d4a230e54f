// The few error classes. cli/main.ts and action/main.ts each turn them into messages and exit codes.

/** Shorter keys are too likely to occur inside ordinary words: they are hidden only where they stand alone. */
const MIN_PART = 8;

/**
 * Hides the secret in every form a server or a URL may show it: whole, URL-encoded, or cut short
 * (a prefix of 8 characters or more). Run it before text is cut to length, never after.
 */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  if (secret.length < MIN_PART) {
    const word = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(secret)}(?![\\p{L}\\p{N}_])`, 'gu');
    return text.replace(word, '***');
  }
  return hidePrefixes(text, [...new Set([secret, encodeURIComponent(secret)])]);
}

/** Replaces each run of text that matches the start of one of `forms` for at least MIN_PART characters, longest first. */
function hidePrefixes(text: string, forms: string[]): string {
  let out = '';
  let from = 0;
  for (let at = 0; at <= text.length - MIN_PART; ) {
    let end = at;
    for (const form of forms) {
      let n = 0;
      while (at + n < text.length && n < form.length && text[at + n] === form[n]) n++;
      if (n >= MIN_PART) end = Math.max(end, at + n);
    }
    if (end === at) {
      at++;
      continue;
    }
    out += `${text.slice(from, at)}***`;
    from = at = end;
  }
  return out + text.slice(from);
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

/** Something the user can fix: bad config, a damaged state file, a held lock. The message says what to do. */
export class UserError extends Error {
  override name = 'UserError';
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
