// The in-process CLI runner is a faithful twin of the built CLI in a child process: the same exit code,
// stdout and stderr for the same command line, nothing of the test process's environment let in, and
// the process left as it was found.
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe('runInProcess', () => {
  it.each([
    ['a valid folder', ['validate']],
    ['an invalid file, as JSON', ['validate', '--format', 'json']],
    ['a plan with --detailed-exitcode', ['plan', '--detailed-exitcode']],
    ['a usage error', ['apply', '--on-drift', 'maybe']],
    ['apply without a terminal or --yes', ['apply']],
    ['a user error from the file system', ['plan', '--state', 'trainings']],
  ])('answers %s as the built CLI does', async (_name, args) => {
    ws = workspace({ 'trainings/a.md': trainingFile('A?'), 'trainings/b.md': '---\ntitle: B\nchanels: [web]\n---\nB\n' });
    if (args[0] === 'validate' && args.length === 1) ws.remove('trainings/b.md');
    const child = await runCli(args, { cwd: ws.dir });
    const inside = await runInProcess(args, { cwd: ws.dir });
    // The temp folder's name is in some messages; it is the same folder for both.
    expect(inside).toEqual(child);
  });

  it('lets in only the environment it is given, and restores the process afterwards', async () => {
    ws = workspace({ 'trainings/a.md': trainingFile('A?'), 'elsewhere/b.md': '---\nbroken: 1\n---\nB\n' });
    const before = { cwd: process.cwd(), sigint: process.listenerCount('SIGINT'), write: process.stdout.write };
    process.env.OPENCX_SYNC_DIR = 'elsewhere';
    try {
      expect(await runInProcess(['validate'], { cwd: ws.dir })).toEqual({ code: 0, signal: null, stdout: '1 file valid.\n', stderr: '' });
      expect((await runInProcess(['validate'], { cwd: ws.dir, env: { OPENCX_SYNC_DIR: 'elsewhere' } })).code).toBe(1);
      expect(process.env.OPENCX_SYNC_DIR).toBe('elsewhere');
    } finally {
      delete process.env.OPENCX_SYNC_DIR;
    }
    // apply adds Ctrl-C handlers for the rest of its process; here they go when the run ends.
    await runInProcess(['apply', '--yes', '--api-url', 'http://127.0.0.1:9', '--retries', '0'], { cwd: ws.dir, env: { OPENCX_API_KEY: 'k' } });
    expect({ cwd: process.cwd(), sigint: process.listenerCount('SIGINT'), write: process.stdout.write }).toEqual(before);
    expect(process.exitCode).toBeUndefined();
  });

  it('refuses what needs a real process, and runs at the same time', async () => {
    ws = workspace({ 'trainings/a.md': trainingFile('A?') });
    await expect(runInProcess(['--help'], { cwd: ws.dir })).rejects.toThrow(/use runCli/);
    await expect(runInProcess(['completion'], { cwd: ws.dir })).rejects.toThrow(/use runCli/);
    const first = runInProcess(['validate'], { cwd: ws.dir });
    await expect(runInProcess(['validate'], { cwd: ws.dir })).rejects.toThrow(/another run is in progress/);
    expect((await first).code).toBe(0);
  });
});
