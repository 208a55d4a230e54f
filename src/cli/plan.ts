// `opencx-sync plan`: the public plan as text or JSON, optionally saved for `apply <file>`.
import type { Argv } from 'yargs';
import type { OnDrift } from '../core/guards.js';
import { configFrom, wholeNumber, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { checkIssues } from './issues.js';
import { planExitCode, type ExitCode } from './exit.js';
import { createTerm, hooksFor, type Term } from './term.js';
import type { Config } from '../config.js';
import type { NameMaps } from '../core/parse.js';
import type { PublicPlan } from '../core/plan-contract.js';

interface Args extends CommonArgs, ApiArgs {
  json: boolean;
  'detailed-exitcode': boolean;
  refresh: boolean;
  prune: boolean;
  'on-drift': OnDrift;
  'max-deletes': number;
  adopt: boolean;
  out?: string;
}

export const planCommand = {
  command: 'plan',
  describe: 'Show what apply would change; offline unless --refresh',
  builder: (y: Argv) =>
    withApi(withState(withCommon(y)))
      .option('json', { type: 'boolean', default: false, describe: 'Print the plan as JSON' })
      .option('detailed-exitcode', {
        type: 'boolean',
        default: false,
        describe: 'Exit 0 no changes, 1 error or apply would refuse, 2 changes pending',
      })
      .option('refresh', { type: 'boolean', default: false, describe: 'Read Open.cx to report drift (needs OPENCX_API_KEY)' })
      .option('prune', { type: 'boolean', default: false, describe: 'Plan deletes for trainings whose file is gone' })
      .option('on-drift', {
        choices: ['fail', 'skip', 'overwrite'] as const,
        default: 'fail' as const,
        describe: 'As apply will run: with --refresh, shows which drifted trainings apply refuses, skips or overwrites',
      })
      .option('max-deletes', { ...wholeNumber('max-deletes', 'As apply will run: report a refusal when the plan deletes more than this'), default: 10 })
      .option('adopt', { type: 'boolean', default: true, describe: 'Show files that take over trainings made in Open.cx (same trigger phrase and type, or a pinned "id:"); --no-adopt plans creates' })
      .option('out', { type: 'string', describe: 'Save the plan, with what it was made from, for "opencx-sync apply <file>"' }),
  handler: async (args: Args): Promise<ExitCode> => {
    const { renderPublicPlan } = await import('../render/report.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const { json, names, exitCode } = await publicPlanOf(args, config, term);
    if (args.json) {
      // Streamed: 100,000 changes as one string would be ~3 copies of the text in memory at once.
      const { writeJson } = await import('../io/json-out.js');
      // Changes quote what Open.cx holds: a key pasted into a training never reaches the output.
      await writeJson(process.stdout, json, process.env.OPENCX_API_KEY || undefined);
    } else {
      term.out(renderPublicPlan(json, { c: term.c, verbose: term.verbose, names }));
      if (args.out) term.out(`\nSaved the plan to ${args.out}: "opencx-sync apply ${args.out}" applies exactly these changes, or refuses if anything moved since.`);
    }
    return exitCode;
  },
};

/**
 * The public plan (saved with --out), with what its views need besides. The files read and the internal
 * plan stay in here: once it returns they can be collected, so a plan of 100,000 files is printed
 * holding the public plan alone, not the trainings and the internal plan as well.
 */
async function publicPlanOf(args: Args, config: Config, term: Term): Promise<{ json: PublicPlan; names: NameMaps; exitCode: ExitCode }> {
  const { runPlan, shownNames } = await import('../engine.js');
  const { toPublicPlan } = await import('../core/plan-contract.js');
  const options = { prune: args.prune, refresh: args.refresh, onDrift: args['on-drift'], maxDeletes: args['max-deletes'], adopt: args.adopt };
  const { loaded, plan, verdict, saved } = await runPlan(config, { ...options, save: args.out !== undefined }, hooksFor(term));
  await checkIssues(term, loaded, args.json, !plan);
  if (!plan) throw new Error('no plan for valid files');
  // One public plan: the JSON, the saved file and the text are all made from it.
  const json = toPublicPlan(plan, { dir: config.dir, verdict });
  if (args.out && saved) {
    const { writePlanFile } = await import('../io/plan-file.js');
    await writePlanFile(args.out, { ...json, saved }, process.env.OPENCX_API_KEY || undefined);
  }
  // Segments by the names the files gave them: the config's, and those Open.cx's list resolved.
  const names = shownNames(config, loaded);
  return { json, names, exitCode: planExitCode(args['detailed-exitcode'], verdict.refusals.length, plan.changes.length) };
}
