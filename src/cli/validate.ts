import type { Argv } from 'yargs';
import type { IssueFormat } from '../render/report.js';
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
    const { hasErrors, loadTrainings } = await import('../engine.js');
    const { readStagedMarkdown } = await import('../io/git.js');
    const { renderIssues } = await import('../render/report.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const staged = args.staged ? await readStagedMarkdown(config.cwd) : undefined;
    const loaded = await loadTrainings(config, staged);
    const found = staged ? loaded.issues.filter((i) => staged.has(i.file)) : loaded.issues;
    const issues = args.strict ? found.map((i) => ({ ...i, severity: 'error' as const })) : found;
    const files = staged ? staged.size : loaded.files;
    const text = renderIssues(issues, args.format, files);
    if (text) term.out(text);
    process.exitCode = hasErrors(issues) ? 1 : 0;
  },
};
