// Exit codes and the error document, decided in one place (src/cli/exit.ts, reportFailure in main.ts):
// each error class as a row, the key never shown, control characters gone, stdout JSON or nothing.
import { describe, expect, it } from 'vitest';
import { contextOf, reportFailure, type RunContext } from '../../src/cli/main.js';
import { EXIT, failureOf, planExitCode } from '../../src/cli/exit.js';
import { ApiError, CancelledError, InvalidFilesError, UsageError, UserError } from '../../src/errors.js';
import { InterruptedError } from '../../src/io/lock.js';
import { checkDocument } from '../json-output.js';

const SECRET = 'sk-live-0123456789abcdef';
const issue = { file: 'trainings/a.md', line: 3, col: 1, message: 'unknown key "titel"', severity: 'error' as const };

describe('failureOf: one row per error class', () => {
  it.each([
    ['a usage error', new UsageError('Unknown argument: prnue'), 'usage', EXIT.error],
    ['invalid files', new InvalidFilesError([issue], 4, '1 error in 1 of 4 files.'), 'invalid_files', EXIT.error],
    ['a user error', new UserError('state file s.json is locked'), 'user', EXIT.error],
    ['a failed request', new ApiError('GET', '/training', 500, 'Internal Server Error', false), 'api', EXIT.error],
    ['a cancelled confirmation', new CancelledError('Apply cancelled: nothing was sent.'), 'cancelled', EXIT.error],
    ['Ctrl-C while waiting for the lock', new InterruptedError('stopped while waiting for the lock'), 'interrupted', EXIT.interrupted],
    ['a bug', new TypeError('x is undefined'), 'internal', EXIT.error],
    ['a thrown string', 'boom', 'internal', EXIT.error],
  ])('%s', (_what, err, kind, exitCode) => {
    const f = failureOf(err, SECRET);
    expect(f).toMatchObject({ kind, exitCode });
    expect(f.issues).toEqual(kind === 'invalid_files' ? [issue] : undefined);
  });

  it('plan --detailed-exitcode: 0 nothing, 2 changes, 1 a refusal; 0 without the flag', () => {
    expect([planExitCode(true, 0, 0), planExitCode(true, 0, 3), planExitCode(true, 1, 3), planExitCode(false, 1, 3)]).toEqual([0, 2, 1, 0]);
  });
});

describe('reportFailure', () => {
  const json: RunContext = { command: 'apply', json: true, exitCode: 0 };
  const text: RunContext = { ...json, json: false };
  const run = (err: unknown, ctx: RunContext, verbose = false) => reportFailure(err, ctx, { verbose, secret: SECRET });

  it('under --json: the error document alone on stdout, the text on stderr', () => {
    const r = run(new UserError('OPENCX_API_KEY is not set'), json);
    expect(JSON.parse(r.stdout)).toEqual({ format_version: 2, command: 'apply', error: { kind: 'user', message: 'OPENCX_API_KEY is not set', exit_code: 1 } });
    checkDocument(JSON.parse(r.stdout));
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(r.stderr).toBe('Error: OPENCX_API_KEY is not set\n');
    expect(r.exitCode).toBe(1);
  });

  it('without --json: nothing on stdout', () => {
    expect(run(new UserError('x'), text).stdout).toBe('');
  });

  it('never shows the key, whole or in part, nor escape sequences, in either stream', () => {
    const err = new ApiError('POST', '/training', 400, `bad \x1b[2Jtoken ${SECRET} and ${SECRET.slice(4, 16)}\x07`, false);
    for (const ctx of [json, text]) {
      const r = run(err, ctx, true);
      for (const out of [r.stdout, r.stderr]) {
        expect(out).not.toContain(SECRET.slice(4, 16));
        expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
      }
    }
    expect(JSON.parse(run(err, json).stdout).error.message).toBe('POST /training failed: 400 bad token *** and ***');
  });

  it('invalid files: every issue in the document, the text report on stderr', () => {
    const r = run(new InvalidFilesError([issue], 4, '1 error in 1 of 4 files. Fix it and run again; nothing was sent to Open.cx.'), { ...json, command: 'plan' });
    const doc = checkDocument(JSON.parse(r.stdout));
    expect(doc.error).toEqual({ kind: 'invalid_files', message: '1 error in 1 of 4 files. Fix it and run again; nothing was sent to Open.cx.', exit_code: 1, issues: [issue] });
    expect(r.stderr).toBe('trainings/a.md:3:1: unknown key "titel"\n1 error in 1 of 4 files. Fix it and run again; nothing was sent to Open.cx.\n');
  });

  it('a usage error keeps its lines on stderr and is one line in the document', () => {
    const r = run(new UsageError('Unknown argument: prnue\nDid you mean --prune?'), json);
    expect(r.stderr).toBe('Unknown argument: prnue\nDid you mean --prune?\nRun "opencx-sync --help" for usage.\n');
    expect(JSON.parse(r.stdout).error).toMatchObject({ kind: 'usage', message: 'Unknown argument: prnue Did you mean --prune?' });
  });

  it('a bug says so, with the stack only under --verbose, and exits 1', () => {
    const err = new TypeError('x is undefined');
    expect(run(err, text).stderr).toBe('Internal error (a bug in opencx-sync, please report it): x is undefined\n');
    expect(run(err, text, true).stderr).toContain('at ');
    expect(run(err, json).exitCode).toBe(1);
  });

  it('a file system error that escaped is the user\'s to fix', () => {
    const err = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open', path: 'trainings/a.md' });
    expect(JSON.parse(run(err, json).stdout).error.kind).toBe('user');
  });
});

describe('contextOf: the command and --json before yargs has parsed', () => {
  it.each([
    [['plan', '--json'], 'plan', true],
    [['state', 'rebuild', '--json'], 'state rebuild', true],
    [['validate', '--format', 'json'], 'validate', true],
    [['validate', '--format=json'], 'validate', true],
    [['apply', '--yes'], 'apply', false],
    [['bogus', '--json'], null, true],
    [['state', '--json'], null, true],
  ])('%j', (argv, command, wantsJson) => {
    expect(contextOf(argv)).toEqual({ command, json: wantsJson, exitCode: 0 });
  });
});
