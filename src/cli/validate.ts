// `opencx-sync validate`: every training file checked, offline; text, GitHub annotations or JSON.
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { EXIT, type ExitCode } from './exit.js';
import { configFrom, withCommon, type CommonArgs } from './options.js';
import { createTerm } from './term.js';

interface Args extends CommonArgs {
  format?: 'text' | 'json' | 'github';
  json: boolean;
  staged: boolean;
  strict: boolean;
}

export const validateCommand = {
  command: 'validate',
  describe: 'Check every training file; offline, needs no key',
  builder: (y: Argv) =>
    withCommon(y)
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON (the same as --format json)' })
      .option('format', { choices: ['text', 'json', 'github'] as const, describe: 'Output format: text, json, or GitHub annotations [default: text]' })
      .option('staged', { type: 'boolean', default: false, describe: 'Check the staged version of staged files only (pre-commit)' })
      .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings as errors (exit 1 on any warning)' }),
  handler: async (args: Args): Promise<ExitCode> => {
    if (args.json && args.format !== undefined && args.format !== 'json') throw new UsageError(`--json and --format ${args.format} ask for two outputs: pass one of them`);
    const format = args.json ? 'json' : (args.format ?? 'text');
    const { renderIssues } = await import('../render/issues.js');
    const { jsonText, validateDocument } = await import('../render/json.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    let found, files;
    // From git's index: the staged files parsed, the others known by a cached index entry.
    // The checks load while git reads the index.
    const checks = args.staged ? import('../validate-staged.js') : undefined;
    const fromIndex = args.staged ? await (await import('../io/staged.js')).readStagedTrainings(config) : undefined;
    if (fromIndex && checks) {
      const { staged, results } = fromIndex;
      const { validateStaged } = await checks;
      found = validateStaged(config, results, staged);
      files = staged.size;
    } else {
      // A config with ignore globs: the whole scan, with the staged text of the staged files.
      const staged = args.staged ? await (await import('../io/git.js')).readStagedMarkdown(config.cwd) : undefined;
      const { loadTrainings } = await import('../engine.js');
      const loaded = await loadTrainings(config, staged);
      found = staged ? loaded.issues.filter((i) => staged.has(i.file)) : loaded.issues;
      files = staged ? staged.size : loaded.files;
    }
    const issues = args.strict ? found.map((i) => ({ ...i, severity: 'error' as const })) : found;
    const text = format === 'json' ? jsonText(validateDocument(issues, files)) : renderIssues(issues, format, files);
    if (text) term.out(text);
    // Invalid files are this command's answer, not a failure to run: the report is the output.
    return issues.some((i) => i.severity === 'error') ? EXIT.error : EXIT.ok;
  },
};
