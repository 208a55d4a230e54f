import type { Argv } from 'yargs';
import type { OnDrift } from '../apply.js';
import { configFrom, wholeNumber, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { printIssues } from './issues.js';
import { createTerm, hooksFor } from './term.js';
import { plural } from '../plural.js';

interface Args extends CommonArgs, ApiArgs {
  json: boolean;
  prune: boolean;
  'max-deletes': number;
  'on-drift': OnDrift;
  'lock-wait': number;
  refresh: boolean;
}

export const applyCommand = {
  command: 'apply',
  describe: 'Make Open.cx match the files: create, update, move (and delete with --prune)',
  builder: (y: Argv) =>
    withApi(withState(withCommon(y)))
      .option('json', { type: 'boolean', default: false, describe: 'Print the results as JSON' })
      .option('prune', { type: 'boolean', default: false, describe: 'Delete trainings this tool made whose file is gone' })
      .option('max-deletes', { ...wholeNumber('max-deletes', 'Refuse to run when the plan deletes more than this'), default: 10 })
      .option('on-drift', {
        choices: ['fail', 'skip', 'overwrite'] as const,
        default: 'fail' as const,
        describe: 'When a training was edited in Open.cx since the last apply',
      })
      .option('refresh', { type: 'boolean', default: true, describe: 'List Open.cx first to catch edits made there (--no-refresh skips)' })
      .option('lock-wait', { ...wholeNumber('lock-wait', 'Milliseconds to wait for another apply to finish'), default: 5_000 }),
  handler: async (args: Args) => {
    const { runApply } = await import('../engine.js');
    const { applySummaryLine, applyToJson, renderOutcome } = await import('../io/report.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    // First Ctrl-C: start nothing new, let requests in flight finish and be recorded. Second: stop now
    // (still safe: every create in flight has its intent on disk).
    const stop = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
      term.err('Stopping after the requests in flight; press Ctrl-C again to stop at once.');
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const result = await runApply(
      config,
      {
        prune: args.prune,
        onDrift: args['on-drift'],
        maxDeletes: args['max-deletes'],
        lockWaitMs: args['lock-wait'],
        refresh: args.refresh,
        signal: stop.signal,
      },
      {
        ...hooksFor(term),
        onOutcome: (o, done, total) => {
          if (!args.json) term.out(renderOutcome(o, { dir: config.dir, c: term.c }));
          term.progress('Applying', done, total);
        },
      },
    );
    const { loaded, plan, outcomes } = result;
    await printIssues(term, loaded, args.json, !plan);
    if (!plan) return;
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
