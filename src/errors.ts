// The few error classes. cli/main.ts and action/main.ts each turn them into messages and exit codes.

/** Replaces every occurrence of the secret, so no message, log line or report can carry the key. */
export function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
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
    super(`${method} ${path} failed: ${status === null ? '' : `${status} `}${apiMessage}${hintFor(status)}`);
  }
}

function hintFor(status: number | null): string {
  if (status === 401) return ' (the API key is missing or wrong: set OPENCX_API_KEY)';
  if (status === 403) return ' (the API key lacks the training:write scope: create a key with it in Settings > Access)';
  return '';
}
