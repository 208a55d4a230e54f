import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Forks, not threads: the in-process CLI runs (test/run-in-process.ts) change the working folder,
    // which worker threads may not.
    pool: 'forks',
    // One fork per worker for all its files, not a fresh one per file: Node start-up, vitest's own
    // set-up and the shared src modules are loaded once per worker (~0.2 s CPU a file, 62 files).
    // Each test file is still evaluated afresh; what it changes in the process (working folder,
    // environment, stdio) it restores itself (see test/run-in-process.ts).
    isolate: false,
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, which
    // ran the 44 files one after another. Many files mostly wait (rate windows, Retry-After, child
    // processes), so one worker more than the cores keeps both cores busy.
    maxWorkers: availableParallelism() + 1,
    // The longest files first, so the last worker to finish is not left alone with one of them.
    sequence: { sequencer: LongestFirst },
  },
});
