#!/usr/bin/env node
// The CLI: one command module per file; handlers return an exit code (exit.ts) or throw, and main()
// is the one place that prints an error: text on stderr, and under --json the error document on stdout.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { closest, distance } from 'fastest-levenshtein';
import { VERSION } from '../version.js';
import { cleanText, InvalidFilesError, stripControl, UsageError, UserError } from '../errors.js';
import { hintFor } from '../io/file-error.js';
import { errorDocument, jsonText } from '../render/json.js';
import { renderIssues } from '../render/issues.js';
import { EXIT, failureOf, type ExitCode } from './exit.js';
import { applyCommand } from './apply.js';
import { audienceCommand } from './audience.js';
import { doctorCommand } from './doctor.js';
import { importCommand } from './import.js';
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
  ['OPENCX_SYNC_NAMESPACE', 'namespace, when several repositories share one organisation (default none)'],
  ['NO_COLOR, FORCE_COLOR', 'colours off; colours on even when not a terminal'],
]);

const FILES = ['OPENCX_SYNC_DIR', 'OPENCX_SYNC_STATE', 'NO_COLOR, FORCE_COLOR'];
/** Commands that read Open.cx (or could) take the namespace too. */
const ONLINE = ['OPENCX_API_KEY', 'OPENCX_API_URL', 'OPENCX_SYNC_DIR', 'OPENCX_SYNC_STATE', 'OPENCX_SYNC_NAMESPACE', 'NO_COLOR, FORCE_COLOR'];

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
    env: ONLINE,
  }],
  ['apply', {
    examples: [
      ['OPENCX_API_KEY=... $0 apply', 'make Open.cx match the files'],
      ['$0 apply --prune --max-deletes 5', 'also delete trainings whose file is gone, at most 5'],
    ],
    env: ONLINE,
  }],
  ['import', {
    examples: [
      ['$0 import --dry-run', 'list the files it would write for the trainings made in the dashboard'],
      ['$0 import && $0 plan --refresh', 'write them, then see the adoptions apply will make'],
    ],
    env: ['OPENCX_API_KEY', 'OPENCX_API_URL', ...FILES],
  }],
  ['rebuild', {
    examples: [['OPENCX_API_KEY=... $0 state rebuild', 'recreate a lost state file from Open.cx, then run plan']],
    env: ONLINE,
  }],
  // Its examples are in its own builder.
  ['audience', { examples: [], env: FILES }],
  ['doctor', {
    examples: [
      ['OPENCX_API_KEY=... $0 doctor', 'check your Open.cx; exit 0 all hold, 3 it differs but the tool copes, 4 something breaks it'],
      ['$0 doctor --json --out report.json', 'the report as JSON, also saved for a bug report'],
    ],
    env: ['OPENCX_API_KEY', 'OPENCX_API_URL', 'NO_COLOR, FORCE_COLOR'],
  }],
  ['sandbox', {
    examples: [['$0 sandbox --port 0 --data /tmp/sandbox.json', 'a local API on a free port; prints its URL and key']],
    env: [],
  }],
]);

/** Option groups, shown in this order; a command shows the groups of the options it has. */
const GROUPS: [string, string[]][] = [
  ['Files:', ['dir', 'state', 'config']],
  ['Open.cx API:', ['api-url', 'rate-limit', 'concurrency', 'timeout']],
  ['Output:', ['json', 'format', 'out', 'detailed-exitcode', 'dry-run', 'verbose']],
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

/** What a run ended as: main() turns it into the exit status and, for an error, the error document. */
export interface RunContext {
  /** The command as typed ("state rebuild"); null until one is recognised. */
  command: string | null;
  /** Output is JSON (--json, validate --format json): an error is printed as the error document too. */
  json: boolean;
  exitCode: ExitCode;
}

/** Before yargs has parsed anything (a usage error), the command and --json as the arguments show them. */
export function contextOf(argv: string[]): RunContext {
  const words = argv.filter((a) => !a.startsWith('-'));
  const first = words[0];
  const command = first === undefined || !HELP.has(first === 'state' ? 'rebuild' : first) ? null : first === 'state' ? (words[1] === 'rebuild' ? 'state rebuild' : null) : first;
  const json = argv.some((a, i) => a === '--json' || a === '--json=true' || a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));
  return { command, json, exitCode: EXIT.ok };
}

interface Module {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<unknown>;
  // Each command types its own arguments; yargs checked them against its builder.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: (args: any) => Promise<ExitCode | void> | ExitCode | void;
}

/** The command with its examples, option groups and environment in its --help, and its exit code recorded. */
function documented(cmd: Module, name: string, seen: { options: string[] }, ctx: RunContext): CommandModule {
  return {
    command: cmd.command,
    describe: cmd.describe,
    builder: (y: Argv) => decorate(cmd.builder(y) as Argv, HELP.get(cmd.command.split(' ')[0] ?? cmd.command), seen),
    handler: async (args) => {
      ctx.command = name;
      ctx.json = args.json === true || args.format === 'json';
      ctx.exitCode = (await cmd.handler(args)) ?? EXIT.ok;
    },
  };
}

/**
 * yargs lays out the whole help text before every command's handler runs (~20 ms), kept in case the
 * handler calls showHelp() or a failure prints the help. Here no handler does, and the fail handler
 * below prints no help, so the text is only built when --help asks for it. Internal to yargs: one
 * without the method is left as it is.
 */
function withoutHelpCache(y: Argv): Argv {
  const usage = (y as unknown as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  return y;
}

export function buildCli(argv: string[], ctx: RunContext = contextOf(argv)) {
  // The options of the command being parsed, for "did you mean" on an unknown flag.
  const seen = { options: ['help', 'version'] };
  return withoutHelpCache(yargs(argv))
    .scriptName('opencx-sync')
    .usage('$0 <command> [options]\n\nKeep Open.cx AI trainings in sync with Markdown files in git.')
    .command(documented(validateCommand, 'validate', seen, ctx))
    .command(documented(planCommand, 'plan', seen, ctx))
    .command(documented(applyCommand, 'apply', seen, ctx))
    .command(documented(importCommand, 'import', seen, ctx))
    .command({ ...stateCommand, builder: (y: Argv) => y.command(documented(rebuildCommand, 'state rebuild', seen, ctx)).demandCommand(1, 'Name a state command: rebuild.') })
    .command(documented(sandboxCommand, 'sandbox', seen, ctx))
    .command(documented(audienceCommand, 'audience', seen, ctx))
    .command(documented(doctorCommand, 'doctor', seen, ctx))
    .completion('completion', 'Print a bash/zsh completion script (add it to ~/.bashrc or ~/.zshrc)')
    .demandCommand(1, `Name a command: ${COMMANDS}.`)
    .recommendCommands()
    .strict()
    .version(VERSION)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .example('$0 validate', 'check the training files (offline, no key)')
    .example('$0 plan', 'show what apply would change')
    .example('$0 apply', 'make Open.cx match the files (reads OPENCX_API_KEY)')
    // The help text is only laid out to the terminal's width when it is shown (withoutHelpCache keeps
    // yargs from building it on every run; this also saves ~15 ms should a yargs ignore that).
    .wrap(argv.some((a) => a === '--help' || a === '-h') ? Math.min(110, process.stdout.columns || 100) : null)
    .epilogue(
      `${envHelp([...ENV.keys()])}\n\n` +
        'Exit codes: 0 success, 1 error (invalid files, failed requests), 2 changes pending (plan --detailed-exitcode),\n' +
          '3 doctor: the API differs from the strict reading but the tool copes, 4 doctor: something breaks the tool, 130 stopped by Ctrl-C.\n' +
        'With --json, stdout holds one JSON document, or an error document when the command stops (docs/json-output.md).',
    )
    .fail((message, err) => {
      // Validation failures (a YError, e.g. from a flag's coerce) are usage errors; failures inside a
      // command come with the error itself.
      throw err && err.name !== 'YError' ? err : new UsageError(unknownCommand(argv, message) ?? message + suggestFlags(message, seen.options));
    });
}

/** Every command as typed, in the order of --help: one list for the usage messages and the unknown-command check. */
const COMMAND_NAMES = ['validate', 'plan', 'apply', 'import', 'state rebuild', 'audience', 'doctor', 'sandbox', 'completion'];
const TOP_COMMANDS = new Set(COMMAND_NAMES.map((c) => c.split(' ')[0]));
const COMMANDS = `${COMMAND_NAMES.slice(0, -1).join(', ')} or ${COMMAND_NAMES.at(-1)}`;

/**
 * yargs says "Did you mean validate?" for "valdate", and "Unknown arguments: json, bogus" for
 * "bogus --json" (no command defines --json at the top level): both are an unknown command, said so.
 */
function unknownCommand(argv: string[], message: string): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-') || TOP_COMMANDS.has(first)) return undefined;
  const named = `unknown command ${JSON.stringify(stripControl(first))}`;
  const suggestion = /^Did you mean (\S+)\?$/.exec(message ?? '');
  if (suggestion) return `${named}: did you mean ${suggestion[1]}?`;
  const unknown = /^Unknown arguments?: (.+)$/.exec(message ?? '');
  if (unknown?.[1]?.split(', ').includes(first)) return `${named}: name one of ${COMMANDS}`;
  return undefined;
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

/** The error, told once: text on stderr; under --json also the error document, alone on stdout. */
export function reportFailure(caught: unknown, ctx: RunContext, opts: { verbose: boolean; secret: string | undefined }): { stdout: string; stderr: string; exitCode: ExitCode } {
  // A file system error that escaped its own handling is still the user's to fix, not a bug.
  const err = isFileSystemError(caught) ? asUserError(caught) : caught;
  const failure = failureOf(err, opts.secret);
  const safe = (text: string) => text.split('\n').map((line) => cleanText(line, opts.secret)).join('\n');
  let stderr: string;
  if (err instanceof InvalidFilesError) stderr = renderIssues(err.issues, 'text', err.files);
  else if (err instanceof UsageError) stderr = `${safe(err.message)}\nRun "opencx-sync --help" for usage.`;
  else if (failure.kind === 'cancelled') stderr = safe((err as Error).message);
  else if (failure.kind !== 'internal') stderr = `Error: ${safe((err as Error).message)}`;
  else {
    stderr = `Internal error (a bug in opencx-sync, please report it): ${failure.message}`;
    if (opts.verbose && err instanceof Error && err.stack) stderr += `\n${safe(err.stack)}`;
  }
  const stdout = ctx.json ? jsonText(errorDocument(ctx.command, failure)) + '\n' : '';
  return { stdout, stderr: stderr + '\n', exitCode: failure.exitCode as ExitCode };
}

/**
 * One command line, as the program runs it: errors become messages and process.exitCode. Exported so
 * the tests run most cases in process (test/run-in-process.ts); the program only adds process.argv.
 */
export async function run(argv: string[]): Promise<void> {
  const ctx = contextOf(argv);
  try {
    await buildCli(argv, ctx).parseAsync();
    process.exitCode = ctx.exitCode;
  } catch (caught) {
    const r = reportFailure(caught, ctx, { verbose: argv.includes('--verbose'), secret: process.env.OPENCX_API_KEY });
    process.stderr.write(r.stderr);
    process.stdout.write(r.stdout);
    process.exitCode = r.exitCode;
  }
}

const FS_CODES = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'ELOOP', 'EMFILE', 'ENFILE', 'ENOENT', 'ENAMETOOLONG']);

function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && FS_CODES.has(e.code) && typeof e.path === 'string';
}

function asUserError(err: NodeJS.ErrnoException & { path: string }): UserError {
  const reading = ['open', 'read', 'scandir', 'stat', 'lstat', 'readlink'].includes(err.syscall ?? '');
  return new UserError(`could not ${err.syscall ?? 'use'} ${err.path} (${err.code}): ${hintFor(err.code, reading ? 'read' : 'write')}`);
}

/**
 * A reader that stopped early (`plan --json | head`) closes the pipe: the rest of the output has nowhere
 * to go, which is the reader's choice, not an error. The command still finishes (an apply stops at no
 * odd point) and exits with its own code; without this, Node dies on the unhandled EPIPE with a stack trace.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
}

// Run only as the program, not when a test imports buildCli (npm's bin link is a symlink: compare real paths).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  ignoreClosedPipes();
  await run(hideBin(process.argv));
}
