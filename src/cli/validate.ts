import type { Argv } from 'yargs';
import type { IssueFormat } from '../io/issue-report.js';
import { configFrom, withCommon, type CommonArgs } from './options.js';
import { createTerm } from './term.js';

interface Args extends CommonArgs {
  format: IssueFormat;
  staged: boolean;
  strict: boolean;
}

export const validateCommand = {
  command: 'validate',
  describe: 'Check every training file; offline, needs no key',
  builder: (y: Argv) =>
    withCommon(y)
      .option('format', { choices: ['text', 'json', 'github'] as const, default: 'text' as const, describe: 'Output format' })
      .option('staged', { type: 'boolean', default: false, describe: 'Check the staged version of staged files only (pre-commit)' })
      .option('strict', { type: 'boolean', default: false, describe: 'Treat warnings as errors (exit 1 on any warning)' }),
  handler: async (args: Args) => {
    const { renderIssues } = await import('../io/issue-report.js');
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
    const text = renderIssues(issues, args.format, files);
    if (text) term.out(text);
    process.exitCode = issues.some((i) => i.severity === 'error') ? 1 : 0;
  },
};
