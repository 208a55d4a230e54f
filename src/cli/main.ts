#!/usr/bin/env node
// The CLI: one command module per file, one place that turns errors into messages and exit codes.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { ApiError, redact as redactSecret, UserError } from '../errors.js';
import { hintFor } from '../io/file-error.js';
import { InterruptedError } from '../io/lock.js';
import { applyCommand } from './apply.js';
import { planCommand } from './plan.js';
import { sandboxCommand } from './sandbox.js';
import { stateCommand } from './state.js';
import { validateCommand } from './validate.js';

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('opencx-sync')
    .usage('$0 <command> [options]\n\nKeep Open.cx AI trainings in sync with Markdown files in git.')
    .command(validateCommand)
    .command(planCommand)
    .command(applyCommand)
    .command(stateCommand)
    .command(sandboxCommand)
    .demandCommand(1, 'Name a command: validate, plan, apply, state rebuild or sandbox.')
    .strict()
    .version(VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Exit codes: 0 success, 1 error (invalid files, failed requests), 2 changes pending (plan --detailed-exitcode).')
    .fail((message, err) => {
      // Validation failures (a YError, e.g. from a flag's coerce) are usage errors; failures inside a
      // command come with the error itself.
      throw err && err.name !== 'YError' ? err : new UsageError(message);
    });
}

export class UsageError extends Error {
  override name = 'UsageError';
}

function redact(text: string): string {
  return redactSecret(text, process.env.OPENCX_API_KEY);
}

async function main() {
  const argv = hideBin(process.argv);
  try {
    await buildCli(argv).parseAsync();
  } catch (caught) {
    let err = caught;
    const verbose = argv.includes('--verbose');
    // A file system error that escaped its own handling is still the user's to fix, not a bug.
    if (isFileSystemError(err)) err = asUserError(err);
    if (err instanceof UserError || err instanceof ApiError) {
      process.stderr.write(`Error: ${redact(err.message)}\n`);
      // With --json, machines get the error on stdout too, in the same shape every time.
      if (argv.includes('--json')) process.stdout.write(JSON.stringify({ format_version: 1, error: redact(err.message) }, null, 2) + '\n');
    } else if (err instanceof UsageError) {
      process.stderr.write(`${(err as Error).message}\nRun "opencx-sync --help" for usage.\n`);
    } else {
      process.stderr.write(`Internal error (a bug in opencx-sync, please report it): ${redact(String((err as Error)?.message ?? err))}\n`);
      if (verbose && err instanceof Error && err.stack) process.stderr.write(redact(err.stack) + '\n');
    }
    // Ctrl-C while waiting for the lock: nothing was changed, and the exit status says it was a stop.
    process.exitCode = err instanceof InterruptedError ? 130 : 1;
  }
}

const FS_CODES = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'ELOOP', 'EMFILE', 'ENFILE', 'ENOENT']);

function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && FS_CODES.has(e.code) && typeof e.path === 'string';
}

function asUserError(err: NodeJS.ErrnoException & { path: string }): UserError {
  const reading = ['open', 'read', 'scandir', 'stat', 'lstat', 'readlink'].includes(err.syscall ?? '');
  return new UserError(`could not ${err.syscall ?? 'use'} ${err.path} (${err.code}): ${hintFor(err.code, reading ? 'read' : 'write')}`);
}

// Run only as the program, not when a test imports buildCli (npm's bin link is a symlink: compare real paths).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main();
