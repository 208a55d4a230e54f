import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Forks, not threads: the in-process CLI runs (test/run-in-process.ts) change the working folder,
    // which worker threads may not.
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, which
    // ran the 44 files one after another. Many files mostly wait (rate windows, Retry-After, child
    // processes), so one worker more than the cores keeps both cores busy.
    maxWorkers: availableParallelism() + 1,
  },
});
