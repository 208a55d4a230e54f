// The checks of `validate --staged` over the next commit's files (src/io/staged.ts reads them). Apart from
// engine.ts so the pre-commit hook loads no more than it uses: no file walk, no state, no plan.
import type { Config } from './config.js';
import { type Issue, sortIssues } from './core/issue.js';
import { namesById } from './core/names.js';
import type { ParseResult } from './core/parse.js';
import { ACROSS_FILES, PARSE_RULES, defaultRuleSettings, linkTargets, runRules } from './core/rules/index.js';
import { validateTrainingSet } from './core/validate.js';
import { existingPaths } from './io/paths.js';

/**
 * `validate --staged`: the staged files' issues. The checks across files (one key per training,
 * duplicate triggers, the always-on budget) see every file; the other content checks only the staged.
 */
export function validateStaged(config: Config, results: { displayPath: string; result: ParseResult }[], staged: Set<string>): Issue[] {
  const rules = config.rules ?? defaultRuleSettings();
  const only = (keep: (id: string) => boolean) => new Map([...rules].map(([id, s]) => [id, keep(id) ? s : { ...s, severity: 'off' as const }]));
  // relative-link is off here, so no linked path is looked up for the other files.
  const across = validateTrainingSet(results, { rules: only((id) => ACROSS_FILES.has(id) || PARSE_RULES.has(id)) });
  const files = results.flatMap(({ displayPath, result }) =>
    staged.has(displayPath) && result.kind === 'training' ? [{ displayPath, training: result.training, ...(result.positions ? { positions: result.positions } : {}) }] : [],
  );
  const own = only((id) => !ACROSS_FILES.has(id));
  const linked = own.get('relative-link')?.severity === 'off' ? [] : linkTargets(files);
  const segmentNames = namesById(config.names.segments);
  const mine = runRules(files, own, { existingPaths: existingPaths(config.cwd, linked), segmentNames });
  return sortIssues([...across.issues, ...mine].filter((i) => staged.has(i.file)));
}

