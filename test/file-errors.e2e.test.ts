// A path that names a folder, or a disk that is full, is the user's to fix: the CLI (in process, through
// the program's own error handling) says which file and what to do, exits 1, and never calls it a bug.
import { afterEach, describe, expect, it } from 'vitest';
import { trainingFile, workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('file errors', () => {
  it.each([
    ['--out naming a folder', ['plan', '--out', 'trainings'], /^Error: plan file trainings is a folder: point --out at a file$/m],
    ['--out on a full disk', ['plan', '--out', '/dev/full'], /^Error: could not write the plan file \/dev\/full \(ENOSPC\): free some disk space$/m],
    ['--state naming a folder', ['plan', '--state', 'trainings'], /^Error: state file .*\/trainings is a folder: point --state at a file$/m],
    ['--config naming a folder', ['plan', '--config', 'trainings'], /^Error: config file trainings is a folder: point --config at a file$/m],
  ])('%s', async (_name, args, message) => {
    const ws = workspace({ 'trainings/a.md': trainingFile('A?') });
    cleanups.push(() => ws.cleanup());
    const r = await runInProcess(args, { cwd: ws.dir });
    expect(r.stderr).not.toContain('Internal error');
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
  });
});
