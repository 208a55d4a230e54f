import { writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { configFrom, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { printIssues } from './issues.js';
import { createTerm, hooksFor } from './term.js';

interface Args extends CommonArgs, ApiArgs {
  json: boolean;
  'detailed-exitcode': boolean;
  refresh: boolean;
  prune: boolean;
  out?: string;
}

export const planCommand = {
  command: 'plan',
  describe: 'Show what apply would change; offline unless --refresh',
  builder: (y: Argv) =>
    withApi(withState(withCommon(y)))
      .option('json', { type: 'boolean', default: false, describe: 'Print the plan as JSON' })
      .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'Exit 0 no changes, 1 error, 2 changes pending' })
      .option('refresh', { type: 'boolean', default: false, describe: 'Read Open.cx to report drift (needs OPENCX_API_KEY)' })
      .option('prune', { type: 'boolean', default: false, describe: 'Plan deletes for trainings whose file is gone' })
      .option('out', { type: 'string', describe: 'Also write the plan JSON to this file' }),
  handler: async (args: Args) => {
    const { runPlan } = await import('../engine.js');
    const { planToJson, renderPlan } = await import('../io/report.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const { loaded, plan } = await runPlan(config, { prune: args.prune, refresh: args.refresh }, hooksFor(term));
    await printIssues(term, loaded, args.json, !plan);
    if (!plan) return;
    const json = planToJson(plan, config.dir);
    if (args.out) {
      const { fileError } = await import('../io/file-error.js');
      const out = args.out;
      await writeFile(out, JSON.stringify(json, null, 2) + '\n').catch((err: unknown) => {
        throw fileError('write', 'plan file', out, err, '--out');
      });
    }
    term.out(args.json ? JSON.stringify(json, null, 2) : renderPlan(plan, { dir: config.dir, c: term.c, verbose: term.verbose, names: config.names }));
    process.exitCode = args['detailed-exitcode'] && plan.changes.length > 0 ? 2 : 0;
  },
};
