// Issues as text, JSON or GitHub annotations: apart from report.ts so validate loads no plan code.
import { formatIssue, issueText, type Issue } from '../core/issue.js';
import { plural } from '../plural.js';

export type IssueFormat = 'text' | 'json' | 'github';

export function renderIssues(issues: Issue[], format: IssueFormat, files: number): string {
  const errors = issues.filter((i) => i.severity === 'error');
  if (format === 'json') {
    return JSON.stringify({ format_version: 1, valid: errors.length === 0, files, issues }, null, 2);
  }
  if (format === 'github') {
    return issues
      .map((i) => `::${i.severity} file=${escProperty(i.file)},line=${i.line},col=${i.col}::${escData(issueText(i))}`)
      .join('\n');
  }
  const lines = issues.map(formatIssue);
  const bad = new Set(errors.map((i) => i.file)).size;
  lines.push(
    errors.length
      ? `${plural(errors.length, 'error')} in ${bad} of ${plural(files, 'file')}. Fix ${errors.length === 1 ? 'it' : 'them'} and run again; nothing was sent to Open.cx.`
      : `${plural(files, 'file')} valid.`,
  );
  return lines.join('\n');
}

/** GitHub workflow-command escaping, so a message with newlines stays one annotation. */
function escData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escProperty(s: string): string {
  return escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
