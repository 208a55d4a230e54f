// Checks that need every file at once (one key per training), after each file has been parsed alone.
import type { Issue } from './issue.js';
import type { ParseResult } from './parse.js';
import type { Training } from './training.js';

export interface ValidatedSet {
  trainings: Training[];
  /** Keys of files marked `sync: false`: left alone, never created, updated or deleted. */
  skipped: { key: string; path: string }[];
  issues: Issue[];
}

export function validateTrainingSet(results: { displayPath: string; result: ParseResult }[]): ValidatedSet {
  const trainings: Training[] = [];
  const skipped: ValidatedSet['skipped'] = [];
  const issues: Issue[] = [];
  const owner = new Map<string, string>();
  const titles = new Map<string, string>();

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
      skipped.push({ key, path: result.path });
      continue;
    }
    issues.push(...result.issues);
    const { fields } = result.training;
    if (fields.type === 'SCENARIO_SPECIFIC') {
      const norm = fields.title.toLowerCase().replace(/\s+/g, ' ');
      const twin = titles.get(norm);
      if (twin) {
        issues.push({
          file: displayPath, line: 1, col: 1, severity: 'warning',
          message: `same trigger phrase as ${twin}: the AI cannot tell the two apart`,
        });
      } else titles.set(norm, displayPath);
    }
    trainings.push(result.training);
  }
  return { trainings, skipped, issues };
}
