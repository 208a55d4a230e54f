// indexRecord() reads `git ls-files --stage -z` records by position: it must accept exactly what the
// regex it replaced accepted, and give the same sha and path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexRecord } from '../../src/io/staged.js';

function byRegex(record: string): { sha: string; displayPath: string } | undefined {
  const m = /^(100644|100755) ([0-9a-f]+) 0\t(.+)$/s.exec(record);
  return m ? { sha: m[2] as string, displayPath: m[3] as string } : undefined;
}

const hex = fc.stringMatching(/^[0-9a-f]{0,41}$/);
const record = fc
  .tuple(
    fc.oneof(fc.constantFrom('100644', '100755', '120000', '160000', '10064', '1006444'), fc.string({ maxLength: 7 })),
    fc.constantFrom(' ', '  ', '\t', ''),
    fc.oneof(hex, fc.string({ maxLength: 8 })),
    fc.oneof(fc.constantFrom(' 0\t', ' 1\t', ' 2\t', ' 0 ', '0\t', ' 00\t'), fc.string({ maxLength: 3 })),
    fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', 'a\tb.md', 'x\ny.md', 'trainings/a b/c.md')),
  )
  .map((parts) => parts.join(''));

describe('indexRecord', () => {
  it.each([
    ['100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\ttrainings/a.md', { sha: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391', displayPath: 'trainings/a.md' }],
    ['100755 abc 0\tx y\tz.md', { sha: 'abc', displayPath: 'x y\tz.md' }],
    ['120000 abc 0\tlink.md', undefined],
    ['100644 abc 1\tconflict.md', undefined],
    ['100644 abc 0\t', undefined],
  ])('%j', (input, expected) => {
    expect(indexRecord(input)).toEqual(expected);
  });

  it('agrees with the regex it replaced on any record', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(indexRecord(r)).toEqual(byRegex(r));
      }),
      { numRuns: 20_000 },
    );
  });
});
