// A problem found in the input. Collected, never thrown, so a run reports every problem at once.
export interface Issue {
  /** Path as the user sees it (relative to the working directory). */
  file: string;
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
}

export function formatIssue(i: Issue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}`;
}

export function sortIssues(issues: Issue[]): Issue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
