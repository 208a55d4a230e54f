// `opencx-sync audience`: what the AI is told for one channel and segment, from the files alone.
import type { Argv } from 'yargs';
import { CHANNELS, type Channel } from '../core/training.js';
import { configFrom, withCommon, type CommonArgs } from './options.js';
import { createTerm } from './term.js';

interface Args extends CommonArgs {
  channel?: Channel;
  segment?: string;
  json: boolean;
}

export const audienceCommand = {
  command: 'audience',
  describe: 'List what the AI is told for a channel and segment: always-on rules and scenario trainings; offline',
  builder: (y: Argv) =>
    withCommon(y)
      .option('channel', { choices: CHANNELS, describe: 'Only trainings that reach this channel [default: every channel]' })
      .option('segment', { type: 'string', describe: 'Only trainings that reach this segment: a name from the config, an id, or "none" for customers in no segment [default: every segment]' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the view as JSON' })
      .example('$0 audience --channel phone_voice', 'What a caller hears about')
      .example('$0 audience --segment "VIP customers" --json', 'The view for VIP customers, as JSON'),
  handler: async (args: Args) => {
    const { hasErrors, loadTrainings } = await import('../engine.js');
    const { audienceView, DEFAULT_BEHAVIORAL_BUDGET, EVERYONE } = await import('../core/audience.js');
    const { renderAudience } = await import('../render/audience.js');
    const { audienceDocument, jsonText } = await import('../render/json.js');
    const { displayPath } = await import('../render/report.js');
    const { checkIssues } = await import('./issues.js');
    const { UsageError, UserError } = await import('../errors.js');
    const { isSegmentId, list, suggest } = await import('../core/segments.js');
    const term = createTerm(args.verbose);
    const config = await configFrom(args);
    const loaded = await loadTrainings(config);
    await checkIssues(term, loaded, args.json, hasErrors(loaded.issues));

    let segment: string | undefined;
    if (args.segment === '') throw new UsageError('--segment needs a value: a segment name from the config, an id, or "none"');
    if (args.segment === 'none') segment = EVERYONE;
    else if (args.segment !== undefined) {
      const named = config.names.segments;
      segment = named.get(args.segment) ?? args.segment;
      const used = loaded.trainings.flatMap((t) => t.fields.segments);
      if (![...named.values(), ...used].includes(segment)) {
        // Names a file may give: the config's, and names left for Open.cx to resolve (not ids).
        const names = [...new Set([...named.keys(), ...used.filter((s) => !isSegmentId(s))])];
        const near = suggest(args.segment, names);
        const configured = named.size ? ` (${list([...named.keys()])})` : '';
        throw new UserError(
          `unknown segment "${args.segment}"${near !== undefined ? `: did you mean ${list([near])}?` : ''}: use a name from "segments" in the config${configured}, a segment name or id used by a training, or "none"`,
        );
      }
    }
    const budget = Number(config.rules?.get('behavioral-budget')?.options.budget ?? DEFAULT_BEHAVIORAL_BUDGET);
    const view = audienceView(loaded.trainings, { ...(args.channel ? { channel: args.channel } : {}), ...(segment ? { segment } : {}) }, budget);
    const shown = (p: string) => displayPath(config.dir, p);
    term.out(args.json ? jsonText(audienceDocument(view, shown, config.names)) : renderAudience(view, { shown, c: term.c, names: config.names }));
  },
};
