// `opencx-sync import`: one Markdown file per training in Open.cx that no file tracks yet.
import type { Argv } from 'yargs';
import { configFrom, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { createTerm, hooksFor } from './term.js';
import { plural } from '../core/plural.js';
import { stripControl } from '../errors.js';
import { EXIT, type ExitCode } from './exit.js';

interface Args extends CommonArgs, ApiArgs {
  json: boolean;
  'dry-run': boolean;
  force: boolean;
}

export const importCommand = {
  command: 'import',
  describe: 'Write a Markdown file for every training in Open.cx that no file tracks yet (made in the dashboard)',
  builder: (y: Argv) =>
    withApi(withState(withCommon(y)))
      .option('dry-run', { type: 'boolean', default: false, describe: 'List the files it would write; write nothing' })
      .option('force', { type: 'boolean', default: false, describe: 'Also write again the files that pin a training\'s "id:", from Open.cx' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' }),
  handler: async (args: Args): Promise<ExitCode> => {
    const { runImport } = await import('../engine.js');
    const { importDocument, jsonText } = await import('../render/json.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const r = await runImport(config, { dryRun: args['dry-run'], force: args.force }, hooksFor(term));
    const shown = (p: string) => (config.dir === '.' || config.dir === '' ? p : `${config.dir.replace(/\/+$/, '')}/${p}`);
    const pending = r.files.filter((f) => f.pendingEdits);
    if (args.json) {
      term.out(jsonText(importDocument(r, { dryRun: args['dry-run'], shown })));
      return EXIT.ok;
    }
    const verb = args['dry-run'] ? 'would write' : 'wrote';
    for (const f of r.files) {
      term.out(`  ${term.c.green('+')} ${shown(f.path)}  ${term.c.dim(`(${f.id}) ${stripControl(f.title)}`)}${f.overwrite ? term.c.yellow(' [overwrites]') : ''}`);
      for (const n of f.notes) term.out(`      ${term.c.yellow('!')} ${stripControl(n)}`);
    }
    if (term.verbose) for (const l of r.left) term.err(`  = ${l.id} ${stripControl(l.title)}: ${l.why}`);
    if (pending.length) {
      term.out(term.c.yellow(`\n${plural(pending.length, 'training')} ${pending.length === 1 ? 'has' : 'have'} edits in the dashboard not yet published (the file holds them): ${pending.map((f) => shown(f.path)).join(', ')}`));
    }
    const left = r.left.length ? ` ${plural(r.left.length, 'training')} already tracked or not ours left alone${term.verbose ? '' : ' (--verbose lists them)'}.` : '';
    if (r.files.length === 0) {
      term.out(`Nothing to import: every one of the ${plural(r.total, 'training')} in Open.cx is tracked by a file or left alone.${left}`);
      return EXIT.ok;
    }
    term.out(`\nImport: ${verb} ${plural(r.files.length, 'file')} for ${plural(r.total, 'training')} in Open.cx.${left}`);
    if (args['dry-run']) term.out('Run it without --dry-run to write them.');
    else {
      term.out(
        `Review and commit them (git add ${config.dir} && git commit). Then "opencx-sync plan --refresh" shows ${plural(r.files.length, 'adopt')}, and "opencx-sync apply" tags those trainings as this repository's; nothing in Open.cx changes until then.`,
      );
    }
    return EXIT.ok;
  },
};
