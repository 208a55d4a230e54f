// Server text (an id, a name) in a message the core writes: its control characters and line separators
// never reach a terminal. The shell has stripControl (errors.ts); the core, which imports nothing
// outside itself, has this.

/** Each control character, C1 code and line or paragraph separator becomes "?". */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}
