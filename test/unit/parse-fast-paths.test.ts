// The hand-written scans in the parser and the content checks that replace a regular expression (or
// a chain of them) to save a pass or an allocation per file: each answers exactly what the expression
// it replaced answers, over generated texts made of the characters that matter to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blankLinesEnd } from '../../src/core/parse.js';

/** Texts from the pieces a scan looks at: spaces, tabs, line breaks of every kind, words, marks. */
const textOf = (pieces: string[]) => fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((xs) => xs.join(''));

describe('blankLinesEnd', () => {
  it('ends where /^(?:[ \\t]*\\n)+/ would', () => {
    fc.assert(
      fc.property(textOf([' ', '\t', '\n', '\r', '\r\n', 'a', '# T', '\u00a0', '\u2028', '\v', '\f']), (text) => {
        expect(blankLinesEnd(text)).toBe(text.length - text.replace(/^(?:[ \t]*\n)+/, '').length);
      }),
      { numRuns: 20_000 },
    );
  });
});
