// behavioral-budget: always-on (BEHAVIORAL) trainings are given to the AI in every conversation of
// the audiences they reach. Past a budget they crowd out the conversation and the scenario trainings.
import { z } from 'zod';
import { behavioralTotals, DEFAULT_BEHAVIORAL_BUDGET, EVERYONE } from '../audience.js';
import { CHANNELS } from '../training.js';
import { formatCount, segmentLabel, titlePosition } from './text.js';
import type { Finding, Rule, RuleFile } from './types.js';

const options = z.strictObject({
  /** Characters (trigger phrase + content) of always-on text one audience may receive. */
  budget: z.number().int().positive().default(DEFAULT_BEHAVIORAL_BUDGET),
});

export const behavioralBudget: Rule<z.infer<typeof options>> = {
  id: 'behavioral-budget',
  summary: 'always-on trainings reaching one audience add up to more than the budget',
  options,
  check(files, opts, ctx) {
    const audiences = behavioralTotals(files.map((f) => f.training)).filter((a) => a.size > opts.budget && a.largest);
    if (audiences.length === 0) return [];
    // Only the files largest somewhere over budget are looked up, not a map of every file built.
    const largest = new Set(audiences.map((a) => a.largest?.key));
    const byKey = new Map<string, RuleFile>();
    for (const f of files) if (largest.has(f.training.key)) byKey.set(f.training.key, f);
    // One finding per training to trim, naming every audience over budget where it is the largest.
    const over = new Map<RuleFile, { worst: number; audiences: Map<string, string[]> }>();
    for (const a of audiences) {
      if (!a.largest) continue;
      const file = byKey.get(a.largest.key);
      if (!file) continue;
      const entry = over.get(file) ?? { worst: 0, audiences: new Map<string, string[]>() };
      entry.worst = Math.max(entry.worst, a.size);
      const label = a.segment === EVERYONE ? 'customers in no segment' : `segment "${segmentLabel(a.segment, ctx.segmentNames)}"`;
      entry.audiences.set(label, [...(entry.audiences.get(label) ?? []), a.channel]);
      over.set(file, entry);
    }
    const findings: Finding[] = [];
    for (const [file, { worst, audiences }] of over) {
      const who = [...audiences].map(([label, chs]) => `${chs.length === CHANNELS.length ? 'every channel' : chs.join(', ')} for ${label}`).join('; ');
      findings.push({
        file: file.displayPath,
        ...titlePosition(file, 0),
        message:
          `always-on (BEHAVIORAL) trainings add up to ${formatCount(worst)} characters, over the budget of ${formatCount(opts.budget)}, on ${who}; ` +
          `this one is the largest there: shorten or merge always-on rules, or restrict some with channels: or segments: ("opencx-sync audience" lists them)`,
      });
    }
    return findings;
  },
};
