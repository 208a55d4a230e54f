import { createInterface } from 'node:readline';
import type { Argv } from 'yargs';
import type { OnDrift } from '../apply.js';
import type { NameMaps } from '../core/parse.js';
import type { Plan } from '../core/plan.js';
import { UsageError } from './main.js';
import { configFrom, wholeNumber, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { printIssues } from './issues.js';
import { createTerm, hooksFor, type Term } from './term.js';
import { plural } from '../plural.js';

interface Args extends CommonArgs, ApiArgs {
  plan?: string;
  yes: boolean;
  json: boolean;
  // No defaults in yargs: a saved plan brings its own, and a flag given with one is a mistake.
  prune?: boolean;
  'max-deletes'?: number;
  'on-drift'?: OnDrift;
  'lock-wait': number;
  refresh?: boolean;
  adopt?: boolean;
}

const PLAN_FLAGS = ['prune', 'max-deletes', 'on-drift', 'refresh', 'adopt'] as const;

export const applyCommand = {
  command: 'apply [plan]',
  describe: 'Make Open.cx match the files: create, update, move (and delete with --prune); or apply a saved plan exactly',
  builder: (y: Argv) =>
    withApi(withState(withCommon(y)))
      .positional('plan', { type: 'string', describe: 'A plan saved with "plan --out": applied exactly, or refused if anything moved since' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Apply without asking (needed without a terminal, unless a saved plan is given)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the results as JSON' })
      .option('prune', { type: 'boolean', describe: 'Delete trainings this tool made whose file is gone' })
      .option('max-deletes', wholeNumber('max-deletes', 'Refuse to run when the plan deletes more than this [default: 10]'))
      .option('on-drift', {
        choices: ['fail', 'skip', 'overwrite'] as const,
        describe: 'When a training was edited in Open.cx since the last apply [default: fail]',
      })
      .option('refresh', { type: 'boolean', describe: 'List Open.cx first to catch edits made there (--no-refresh skips) [default: true]' })
      .option('adopt', { type: 'boolean', describe: 'Take over trainings made in Open.cx with the same trigger phrase and type (or a pinned "id:") instead of creating look-alikes (--no-adopt creates) [default: true]' })
      .option('lock-wait', { ...wholeNumber('lock-wait', 'Milliseconds to wait for another apply to finish'), default: 5_000 }),
  handler: async (args: Args) => {
    // Checked before anything is read or sent.
    const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    if (args.plan === undefined && !args.yes && !terminal) {
      throw new UsageError(
        'apply changes Open.cx: without a terminal to confirm in, pass --yes, or apply a reviewed plan ("opencx-sync plan --out plan.json", then "opencx-sync apply plan.json"). Nothing was sent.',
      );
    }
    const given = PLAN_FLAGS.filter((f) => args[f] !== undefined);
    if (args.plan !== undefined && given.length) {
      throw new UsageError(
        `a saved plan applies with the options it was made with; drop ${given.map((f) => `--${f}`).join(', ')}, or make a new plan with them ("opencx-sync plan ... --out ${args.plan}"). Nothing was sent.`,
      );
    }
    const { runApply } = await import('../engine.js');
    const { applySummaryLine, applyToJson, renderOutcome } = await import('../io/report.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const saved = args.plan === undefined ? undefined : { file: args.plan, from: await (await import('../io/plan-file.js')).readPlanFile(args.plan) };
    // First Ctrl-C: start nothing new, let requests in flight finish and be recorded. Second: stop now
    // (still safe: every create in flight has its intent on disk).
    const stop = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
      term.err('Stopping after the requests in flight; press Ctrl-C again to stop at once.');
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const onDrift = args['on-drift'] ?? 'fail';
    const maxDeletes = args['max-deletes'] ?? 10;
    const result = await runApply(
      config,
      {
        prune: args.prune ?? false,
        onDrift,
        maxDeletes,
        lockWaitMs: args['lock-wait'],
        refresh: args.refresh ?? true,
        adopt: args.adopt ?? true,
        signal: stop.signal,
        ...(saved ? { saved } : {}),
      },
      {
        ...hooksFor(term),
        ...(args.yes ? {} : { confirm: (plan: Plan) => confirm(plan, term, { json: args.json, dir: config.dir, names: config.names, onDrift, maxDeletes }) }),
        onOutcome: (o, done, total) => {
          if (!args.json) term.out(renderOutcome(o, { dir: config.dir, c: term.c }));
          term.progress('Applying', done, total);
        },
      },
    );
    const { loaded, plan, outcomes } = result;
    await printIssues(term, loaded, args.json, !plan);
    if (!plan) return;
    if (result.cancelled) {
      term.err('Apply cancelled: nothing was sent.');
      process.exitCode = 1;
      return;
    }
    if (args.json) term.out(JSON.stringify(applyToJson(outcomes, plan, config.dir), null, 2));
    else {
      if (plan.orphans.length) term.out(term.c.yellow(`${plural(plan.orphans.length, 'training')} whose file is gone ${plan.orphans.length === 1 ? 'was' : 'were'} kept; pass --prune to delete them.`));
      term.out(applySummaryLine(outcomes, plan.summary.unchanged));
      // The failures again, together: in a long run they scrolled by between the successes.
      const failed = outcomes.filter((o) => o.status === 'failed');
      if (failed.length && outcomes.length > failed.length) {
        term.out(`Failed:\n${failed.map((o) => renderOutcome(o, { dir: config.dir, c: term.c })).join('\n')}`);
      }
      if (term.verbose && result.stats) term.err(`requests: ${result.stats.requests}, retries: ${result.stats.retries}, rate-limited: ${result.stats.rateLimited}`);
    }
    process.exitCode = stop.signal.aborted ? 130 : outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  },
};

/**
 * In a terminal: shows the plan as apply will run it and asks. Only "yes" goes ahead; anything else,
 * Ctrl-C or end of input cancels. With --json the questions go to stderr, keeping stdout JSON.
 */
async function confirm(
  plan: Plan,
  term: Term,
  o: { json: boolean; dir: string; names: NameMaps; onDrift: OnDrift; maxDeletes: number },
): Promise<boolean> {
  const { renderPlan } = await import('../io/report.js');
  const { verdictOf } = await import('../core/guards.js');
  const show = o.json ? term.err : term.out;
  show(renderPlan(plan, { dir: o.dir, c: term.c, verbose: term.verbose, names: o.names }));
  // The delete guards already passed (the engine asks only then): only the drift verdicts can show.
  const verdict = verdictOf(plan, { trainings: Number.POSITIVE_INFINITY, maxDeletes: o.maxDeletes, onDrift: o.onDrift });
  if (verdict.refusals.length) show(term.c.red(`\nThese will fail:\n${verdict.refusals.map((r) => `  ${r}`).join('\n')}`));
  if (verdict.skips.length) show(term.c.yellow(`\nThese will be skipped:\n${verdict.skips.map((r) => `  ${r}`).join('\n')}`));
  const rl = createInterface({ input: process.stdin, output: o.json ? process.stderr : process.stdout });
  const answer = await new Promise<string>((resolve) => {
    rl.on('SIGINT', () => resolve(''));
    rl.on('close', () => resolve(''));
    show('\nOnly "yes" applies them; anything else cancels.');
    rl.question(`Apply these ${plan.changes.length} changes? (yes/no) `, resolve);
  });
  rl.close();
  return answer.trim().toLowerCase() === 'yes';
}
