// A problem found in the input. Collected, never thrown, so a run reports every problem at once.
export interface Issue {
  /** Path as the user sees it (relative to the working directory). */
  file: string;
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
  /** Id of the content check that found it (see docs/rules.md); absent for file-format problems. */
  rule?: string;
}

/** The message with the rule id, as every output shows it, so people can switch the rule in the config. */
export function issueText(i: Issue): string {
  return i.rule ? `${i.message} [${i.rule}]` : i.message;
}

export function formatIssue(i: Issue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.severity === 'warning' ? 'warning: ' : ''}${issueText(i)}`;
}

export function sortIssues(issues: Issue[]): Issue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
