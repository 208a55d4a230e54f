// Checks that need every file at once (one key per training), after each file has been parsed alone.
import type { Issue } from './issue.js';
import type { ParseResult } from './parse.js';
import { applyParseRules, defaultRuleSettings, runRules, type RuleContext, type RuleFile, type RuleSettings } from './rules/index.js';
import type { Training } from './training.js';

export interface ValidatedSet {
  trainings: Training[];
  /** Keys of files marked `sync: false`: left alone, never created, updated or deleted. */
  skipped: { key: string; path: string; id?: string }[];
  issues: Issue[];
}

/** `rules`: the content checks' settings (all on with their defaults when absent); see docs/rules.md. */
export function validateTrainingSet(
  results: { displayPath: string; result: ParseResult }[],
  opts: { rules?: RuleSettings; context?: RuleContext } = {},
): ValidatedSet {
  const trainings: Training[] = [];
  const skipped: ValidatedSet['skipped'] = [];
  const issues: Issue[] = [];
  const owner = new Map<string, string>();
  const checked: RuleFile[] = [];
  const rules = opts.rules ?? defaultRuleSettings();

  for (const { displayPath, result } of results) {
    if (result.kind === 'invalid') {
      issues.push(...result.issues);
      continue;
    }
    const key = result.kind === 'training' ? result.training.key : result.key;
    const first = owner.get(key);
    if (first !== undefined) {
      issues.push({
        file: displayPath, line: 1, col: 1, severity: 'error',
        message: `key "${key}" is already used by ${first}: give one of them its own "key:" in the front-matter`,
      });
      continue;
    }
    owner.set(key, displayPath);
    if (result.kind === 'skipped') {
      skipped.push({ key, path: result.path, ...(result.id === undefined ? {} : { id: result.id }) });
      continue;
    }
    if (result.issues.length > 0) issues.push(...applyParseRules(result.issues, rules));
    // Built whole, not spread: one object per file, of one shape.
    checked.push(result.positions ? { displayPath, training: result.training, positions: result.positions } : { displayPath, training: result.training });
    trainings.push(result.training);
  }
  issues.push(...runRules(checked, rules, opts.context ?? {}));
  return { trainings, skipped, issues };
}
