#!/usr/bin/env node
// The CLI: one command module per file, one place that turns errors into messages and exit codes.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { closest, distance } from 'fastest-levenshtein';
import { VERSION } from '../version.js';
import { ApiError, redact as redactSecret, UserError } from '../errors.js';
import { hintFor } from '../io/file-error.js';
import { InterruptedError } from '../io/lock.js';
import { applyCommand } from './apply.js';
import { audienceCommand } from './audience.js';
import { planCommand } from './plan.js';
import { sandboxCommand } from './sandbox.js';
import { rebuildCommand, stateCommand } from './state.js';
import { validateCommand } from './validate.js';

interface Help {
  examples: [string, string][];
  /** Environment variables the command reads. */
  env: string[];
}

const ENV: Map<string, string> = new Map([
  ['OPENCX_API_KEY', 'Open.cx API key (training:read, training:write); never a flag'],
  ['OPENCX_API_URL', 'API base URL (default https://api.open.cx)'],
  ['OPENCX_SYNC_DIR', 'trainings folder (default trainings)'],
  ['OPENCX_SYNC_STATE', 'state file (default opencx-sync.state.json)'],
  ['NO_COLOR, FORCE_COLOR', 'colours off; colours on even when not a terminal'],
]);

const FILES = ['OPENCX_SYNC_DIR', 'OPENCX_SYNC_STATE', 'NO_COLOR, FORCE_COLOR'];

const HELP: Map<string, Help> = new Map([
  ['validate', {
    examples: [
      ['$0 validate', 'check every training file; exit 1 on any error'],
      ['$0 validate --staged', 'check what the next commit holds (pre-commit hook)'],
    ],
    env: FILES,
  }],
  ['plan', {
    examples: [
      ['$0 plan', 'what apply would change, from the files and the state file (offline)'],
      ['$0 plan --refresh --detailed-exitcode', 'also report edits made in Open.cx; exit 2 when changes are pending'],
    ],
    env: ['OPENCX_API_KEY', 'OPENCX_API_URL', ...FILES],
  }],
  ['apply', {
    examples: [
      ['OPENCX_API_KEY=... $0 apply', 'make Open.cx match the files'],
      ['$0 apply --prune --max-deletes 5', 'also delete trainings whose file is gone, at most 5'],
    ],
    env: ['OPENCX_API_KEY', 'OPENCX_API_URL', ...FILES],
  }],
  ['rebuild', {
    examples: [['OPENCX_API_KEY=... $0 state rebuild', 'recreate a lost state file from Open.cx, then run plan']],
    env: ['OPENCX_API_KEY', 'OPENCX_API_URL', ...FILES],
  }],
  // Its examples are in its own builder.
  ['audience', { examples: [], env: FILES }],
  ['sandbox', {
    examples: [['$0 sandbox --port 0 --data /tmp/sandbox.json', 'a local API on a free port; prints its URL and key']],
    env: [],
  }],
]);

/** Option groups, shown in this order; a command shows the groups of the options it has. */
const GROUPS: [string, string[]][] = [
  ['Files:', ['dir', 'state', 'config']],
  ['Open.cx API:', ['api-url', 'rate-limit', 'concurrency', 'timeout']],
  ['Output:', ['json', 'format', 'out', 'detailed-exitcode', 'verbose']],
];

/** yargs keeps the options it knows in getOptions(), which its types leave out. */
function optionNames(y: Argv): string[] {
  return Object.keys((y as unknown as { getOptions(): { key: Record<string, boolean> } }).getOptions().key);
}

function decorate(y: Argv, help: Help | undefined, seen: { options: string[] }): Argv {
  seen.options = optionNames(y);
  const keys = new Set(seen.options);
  for (const [group, options] of GROUPS) {
    const present = options.filter((o) => keys.has(o));
    if (present.length) y.group(present, group);
  }
  for (const [example, what] of help?.examples ?? []) y.example(example, what);
  if (help?.env.length) y.epilogue(envHelp(help.env));
  return y;
}

function envHelp(names: string[]): string {
  const width = Math.max(...names.map((n) => n.length));
  return `Environment:\n${names.map((n) => `  ${n.padEnd(width)}  ${ENV.get(n)}`).join('\n')}`;
}

/** The command with its examples, option groups and environment in its --help. */
function documented<C extends { command: string; builder: (y: Argv) => Argv<unknown> }>(cmd: C, seen: { options: string[] }): C {
  return { ...cmd, builder: (y: Argv) => decorate(cmd.builder(y) as Argv, HELP.get(cmd.command.split(' ')[0] ?? cmd.command), seen) };
}

export function buildCli(argv: string[]) {
  // The options of the command being parsed, for "did you mean" on an unknown flag.
  const seen = { options: ['help', 'version'] };
  return yargs(argv)
    .scriptName('opencx-sync')
    .usage('$0 <command> [options]\n\nKeep Open.cx AI trainings in sync with Markdown files in git.')
    .command(documented(validateCommand, seen))
    .command(documented(planCommand, seen))
    .command(documented(applyCommand, seen))
    .command({ ...stateCommand, builder: (y: Argv) => y.command(documented(rebuildCommand, seen)).demandCommand(1, 'Name a state command: rebuild.') })
    .command(documented(sandboxCommand, seen))
    .command(documented(audienceCommand, seen))
    .completion('completion', 'Print a bash/zsh completion script (add it to ~/.bashrc or ~/.zshrc)')
    .demandCommand(1, 'Name a command: validate, plan, apply, state rebuild or sandbox.')
    .recommendCommands()
    .strict()
    .version(VERSION)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .example('$0 validate', 'check the training files (offline, no key)')
    .example('$0 plan', 'show what apply would change')
    .example('$0 apply', 'make Open.cx match the files (reads OPENCX_API_KEY)')
    // yargs builds the help text on every command run (kept for showHelp); it is only laid out to the
    // terminal's width when it is shown, which saves ~15 ms of every run.
    .wrap(argv.some((a) => a === '--help' || a === '-h') ? Math.min(110, process.stdout.columns || 100) : null)
    .epilogue(
      `${envHelp([...ENV.keys()])}\n\n` +
        'Exit codes: 0 success, 1 error (invalid files, failed requests), 2 changes pending (plan --detailed-exitcode).',
    )
    .fail((message, err) => {
      // Validation failures (a YError, e.g. from a flag's coerce) are usage errors; failures inside a
      // command come with the error itself.
      throw err && err.name !== 'YError' ? err : new UsageError(message + suggestFlags(message, seen.options));
    });
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** yargs suggests commands but not flags: "Unknown argument: prnue" gets "Did you mean --prune?". */
function suggestFlags(message: string, known: string[]): string {
  const m = /^Unknown arguments?: (.+)$/.exec(message ?? '');
  if (!m || !known.length) return '';
  const hints: string[] = [];
  for (const raw of (m[1] as string).split(', ')) {
    const name = raw.replace(/^-+/, '');
    const best = closest(name, known);
    // Two edits (a swapped pair of letters) only for names long enough not to match anything.
    const allowed = name.length >= 4 ? Math.max(2, Math.floor(name.length / 3)) : 1;
    if (distance(name, best) <= allowed) hints.push(`--${best}`);
  }
  return hints.length ? `\nDid you mean ${[...new Set(hints)].join(', ')}?` : '';
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
