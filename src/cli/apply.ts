// `opencx-sync apply [plan]`: confirm, apply, report each outcome; or apply a saved plan exactly.
import { createInterface } from 'node:readline';
import type { Argv } from 'yargs';
import type { OnDrift } from '../core/guards.js';
import type { NameMaps } from '../core/parse.js';
import type { Plan } from '../core/plan.js';
import { CancelledError, UsageError } from '../errors.js';
import { EXIT, type ExitCode } from './exit.js';
import type { Loaded } from '../engine.js';
import { configFrom, wholeNumber, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { checkIssues } from './issues.js';
import { createTerm, hooksFor, type Term } from './term.js';

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
  handler: async (args: Args): Promise<ExitCode> => {
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
    const { runApply, shownNames } = await import('../engine.js');
    const { renderApplyEnd, renderOutcome } = await import('../render/report.js');
    const { applyDocument, jsonText } = await import('../render/json.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const saved = args.plan === undefined ? undefined : { file: args.plan, from: await (await import('../io/plan-file.js')).readPlanFile(args.plan) };
    // First Ctrl-C: start nothing new, let requests in flight finish and be recorded. Second: stop now
    // (still safe: every create in flight has its intent on disk).
    const stop = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(EXIT.interrupted);
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
        ...(args.yes ? {} : { confirm: (plan: Plan, loaded: Loaded) => confirm(plan, term, { json: args.json, dir: config.dir, names: shownNames(config, loaded), onDrift, maxDeletes }) }),
        onOutcome: (o, done, total) => {
          if (!args.json) term.out(renderOutcome(o, { dir: config.dir, c: term.c }));
          term.progress('Applying', done, total);
        },
      },
    );
    const { loaded, plan, outcomes } = result;
    await checkIssues(term, loaded, args.json, !plan);
    if (!plan) throw new Error('no plan for valid files');
    if (result.cancelled) throw new CancelledError('Apply cancelled: nothing was sent.');
    if (args.json) term.out(jsonText(applyDocument(outcomes, plan.summary.unchanged, config.dir)));
    else {
      term.out(renderApplyEnd(outcomes, plan, { dir: config.dir, c: term.c }));
      if (term.verbose && result.stats) term.err(`requests: ${result.stats.requests}, retries: ${result.stats.retries}, rate-limited: ${result.stats.rateLimited}`);
    }
    return stop.signal.aborted ? EXIT.interrupted : outcomes.some((o) => o.status === 'failed') ? EXIT.error : EXIT.ok;
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
  const { renderPlan, renderVerdict } = await import('../render/report.js');
  const { verdictOf } = await import('../core/guards.js');
  const show = o.json ? term.err : term.out;
  show(renderPlan(plan, { dir: o.dir, c: term.c, verbose: term.verbose, names: o.names }));
  // The delete guards already passed (the engine asks only then): only the drift verdicts can show.
  const verdict = verdictOf(plan, { trainings: Number.POSITIVE_INFINITY, maxDeletes: o.maxDeletes, onDrift: o.onDrift });
  const said = renderVerdict(verdict, term.c);
  if (said) show(said);
  const rl = createInterface({ input: process.stdin, output: o.json ? process.stderr : process.stdout });
  const answer = await new Promise<string>((resolve) => {
    rl.on('SIGINT', () => resolve(''));
    rl.on('close', () => resolve(''));
    show('\nOnly "yes" applies them; anything else cancels.');
    rl.question(`Apply ${plan.changes.length === 1 ? 'this 1 change' : `these ${plan.changes.length} changes`}? (yes/no) `, resolve);
  });
  rl.close();
  return answer.trim().toLowerCase() === 'yes';
}
