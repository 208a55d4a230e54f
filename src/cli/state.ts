// `opencx-sync state rebuild`: a lost state file recreated from the trainings opencx-sync made.
import type { Argv } from 'yargs';
import { configFrom, withApi, withCommon, withState, type ApiArgs, type CommonArgs } from './options.js';
import { createTerm, hooksFor } from './term.js';
import { plural } from '../core/plural.js';

interface Args extends CommonArgs, ApiArgs {
  force: boolean;
  json: boolean;
}

export const rebuildCommand = {
  command: 'rebuild',
  describe: 'Recreate a lost state file from the trainings opencx-sync made in Open.cx',
  builder: (y: Argv) =>
    withApi(withState(withCommon(y)))
      .option('force', { type: 'boolean', default: false, describe: 'Replace a state file that still tracks trainings' })
      .option('json', { type: 'boolean', default: false, describe: 'Print what was rebuilt as JSON' }),
  handler: async (args: Args) => {
    const { runStateRebuild } = await import('../engine.js');
    const { jsonText, rebuildDocument } = await import('../render/json.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const r = await runStateRebuild(config, { force: args.force }, hooksFor(term));
    if (args.json) {
      const { lineage, serial, trainings } = r.state;
      term.out(jsonText(rebuildDocument({ stateFile: config.statePath, lineage, serial, tracked: trainings.size, duplicates: r.duplicates })));
      return;
    }
    for (const d of r.duplicates) {
      term.err(term.c.yellow(`key ${d.key} is carried by ${d.ids.length} trainings (${d.ids.join(', ')}): tracking ${d.ids[0]}; delete the others in Open.cx`));
    }
    term.out(`Rebuilt ${config.statePath}: ${plural(r.state.trainings.size, 'training')} tracked. Run "opencx-sync plan" to see what differs from the files.`);
  },
};

export const stateCommand = {
  command: 'state <command>',
  describe: 'Manage the state file (state rebuild)',
  builder: (y: Argv) => y.command(rebuildCommand).demandCommand(1),
  handler: () => undefined,
};
