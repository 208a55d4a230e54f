// Test files in an order that keeps the suite's tail short: the files known to take longest go first.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files by wall time (most of it waiting: rate windows, Retry-After, child processes), longest
 * first. vitest orders by the durations it cached from the last run, but a fresh clone (CI) has no cache
 * and falls back to file size, which would start rate-limit.test.ts (small, ~18 s) near the end.
 * A file missing from this list is simply ordered by vitest; a stale name is ignored.
 */
const LONGEST = [
  'test/rate-limit.test.ts',
  'test/faults.e2e.test.ts',
  'test/faults-storm.e2e.test.ts',
  'test/action.e2e.test.ts',
  'test/json-output.e2e.test.ts',
  'test/wait-notice.e2e.test.ts',
  'test/release/demo.test.ts',
  'test/lock.test.ts',
  'test/segments.test.ts',
];

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST.indexOf(path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/'));
      return i === -1 ? LONGEST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
