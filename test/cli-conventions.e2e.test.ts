// The habits a command-line user expects: -h, -v, suggestions for typos, shell completion, colours
// that follow NO_COLOR/FORCE_COLOR, plurals, help that names the environment, and a config file found
// from a subfolder.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { colorEnabled } from '../src/cli/term.js';
import { plural } from '../src/core/plural.js';
import { VERSION } from '../src/version.js';
import { CLI, runCli, trainingFile, workspace, type Workspace } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace({
    'opencx-sync.config.json': JSON.stringify({ dir: 'trainings' }),
    'trainings/billing/refunds.md': trainingFile('How do I get a refund?'),
    'trainings/shipping.md': trainingFile('Do you ship to Canada?'),
  });
  mkdirSync(path.join(ws.dir, '.git'));
});
afterEach(() => ws.cleanup());

const cli = (args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) => runCli(args, { cwd: opts.cwd ?? ws.dir, ...(opts.env ? { env: opts.env } : {}) });
// Help, version, completion and colours on a real pipe need the built CLI; the rest runs in process.
const inProcess = (args: string[], opts: { cwd?: string } = {}) => runInProcess(args, { cwd: opts.cwd ?? ws.dir });

describe('CLI conventions', () => {
  it('-h and --help print the usage; -v and --version print the version', async () => {
    for (const flag of ['-h', '--help']) {
      const r = await cli([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toContain('opencx-sync <command> [options]');
    }
    for (const flag of ['-v', '--version']) {
      const r = await cli([flag]);
      expect([r.code, r.stdout], flag).toEqual([0, `${VERSION}\n`]);
    }
  });

  it('a reader that stops early (plan --json | head -c 10) ends the output quietly: no stack trace, the command\'s exit code', async () => {
    for (let i = 0; i < 400; i++) ws.write(`trainings/many/q${i}.md`, trainingFile(`Question number ${i}, long enough to fill a pipe?`));
    const child = spawn(process.execPath, [CLI, 'plan', '--json'], { cwd: ws.dir, env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The first chunk read, then the pipe closed: the rest of the document has nowhere to go.
    child.stdout.once('data', () => child.stdout.destroy());
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('suggests the command meant by a typo', async () => {
    const r = await inProcess(['plna']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command "plna": did you mean plan?');
  });

  it('suggests the flag meant by a typo, and exits 1', async () => {
    const r = await inProcess(['apply', '--prnue']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unknown argument: prnue\nDid you mean --prune?');
    const far = await inProcess(['plan', '--zzzzzz']);
    expect(far.stderr).toContain('Unknown argument: zzzzzz');
    expect(far.stderr).not.toContain('Did you mean');
  });

  it("speaks yargs' own messages in the user's language, as the bundle ships its translations", async () => {
    // The program as users run it (the bundle), not in-process: bundled, yargs looks for them next to its chunk.
    const r = await cli(['plan', '--bogus'], { env: { LANG: 'fr_FR.UTF-8' } });
    expect([r.code, r.stderr]).toEqual([1, 'Argument inconnu : bogus\nRun "opencx-sync --help" for usage.\n']);
  });

  it('prints a bash completion script, and a zsh one under zsh', async () => {
    const bash = await cli(['completion'], { env: { SHELL: '/bin/bash' } });
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _opencx-sync_yargs_completions opencx-sync');
    const zsh = await cli(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(zsh.stdout).toContain('#compdef opencx-sync');
  });

  it('completes command names', async () => {
    const r = await cli(['--get-yargs-completions', 'opencx-sync', 'pl']);
    expect(r.stdout.split('\n')).toContain('plan');
  });

  it('help of each command has an example, option groups and the environment it reads', async () => {
    const apply = await cli(['apply', '--help']);
    expect(apply.stdout).toMatch(/Examples:\n\s+OPENCX_API_KEY=\.\.\. opencx-sync apply/);
    expect(apply.stdout).toMatch(/Environment:\n\s+OPENCX_API_KEY\s/);
    expect(apply.stdout).toContain('OPENCX_API_URL');
    expect(apply.stdout).toContain('Files:\n');
    expect(apply.stdout).toContain('Open.cx API:\n');
    const validate = await cli(['validate', '--help']);
    expect(validate.stdout).toContain('opencx-sync validate --staged');
    expect(validate.stdout).not.toContain('OPENCX_API_KEY');
    const rebuild = await cli(['state', 'rebuild', '--help']);
    expect(rebuild.stdout).toContain('opencx-sync state rebuild');
    expect(rebuild.stdout).toContain('OPENCX_API_KEY');
  });

  it('finds the config file from a subfolder, up to the repository root', async () => {
    const sub = path.join(ws.dir, 'trainings/billing');
    const r = await inProcess(['validate'], { cwd: sub });
    expect([r.code, r.stderr, r.stdout]).toEqual([0, '', '2 files valid.\n']);
    ws.write('trainings/billing/opencx-sync.config.json', '{"dirr": 1}');
    const nearer = await inProcess(['validate'], { cwd: sub });
    expect(nearer.stderr).toContain('opencx-sync.config.json: top level: unknown key dirr');
  });
});

describe('colours', () => {
  it('follow the terminal, NO_COLOR and FORCE_COLOR', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: '1', NO_COLOR: '1' }, true)).toBe(false);
  });

  it('FORCE_COLOR colours output that is not a terminal', async () => {
    const forced = await cli(['plan'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    const plain = await cli(['plan']);
    expect(plain.stdout).toContain('+ create');
    expect(forced.stderr + forced.stdout).toMatch(/\x1b\[\d+m/);
    expect(plain.stderr + plain.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('plural', () => {
  it('says 1 training, 2 trainings, 0 trainings', () => {
    expect([plural(1, 'training'), plural(2, 'training'), plural(0, 'training'), plural(2, 'entry', 'entries')]).toEqual(['1 training', '2 trainings', '0 trainings', '2 entries']);
  });
});
