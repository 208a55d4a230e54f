// Test files in an order that keeps the suite's tail short: the files known to take longest go first.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files by wall time, in the order they should start. vitest orders by the durations it cached
 * from the last run, but a fresh clone (CI) has no cache and falls back to file size, which would start
 * rate-limit.test.ts (small, ~18 s) near the end. The files that mostly wait (rate windows, Retry-After)
 * are interleaved with ones that keep a core busy, so that two of the three workers are not both waiting
 * while work queues. A file missing from this list is ordered by vitest; a stale name is ignored.
 */
const LONGEST = [
  'test/faults.e2e.test.ts', // SIGKILL runs: CPU
  'test/rate-limit.test.ts', // waits out 1-2 s windows, ~18 s
  'test/action.e2e.test.ts', // the bundled Action in child processes: CPU
  'test/doctor.e2e.test.ts',
  'test/lock.test.ts',
  'test/faults-storm.e2e.test.ts', // waits out 429 windows, ~13 s
  'test/release/demo.test.ts',
  'test/release/pack.test.ts',
  'test/wait-notice.e2e.test.ts', // waits out a 3 s window
  'test/json-output.e2e.test.ts',
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
