#!/usr/bin/env node
// The CLI: one command module per file, one place that turns errors into messages and exit codes.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { ApiError, redact as redactSecret, UserError } from '../errors.js';
import { applyCommand } from './apply.js';
import { audienceCommand } from './audience.js';
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
    .command(audienceCommand)
    .demandCommand(1, 'Name a command: validate, plan, apply, state rebuild or sandbox.')
    .strict()
    .version(VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Exit codes: 0 success, 1 error (invalid files, failed requests), 2 changes pending (plan --detailed-exitcode).')
    .fail((message, err) => {
      // Validation failures come with a message, failures inside a command with the error itself.
      throw err ?? new UsageError(message);
    });
}

class UsageError extends Error {}

function redact(text: string): string {
  return redactSecret(text, process.env.OPENCX_API_KEY);
}

async function main() {
  const argv = hideBin(process.argv);
  try {
    await buildCli(argv).parseAsync();
  } catch (err) {
    const verbose = argv.includes('--verbose');
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
    process.exitCode = 1;
  }
}

await main();
