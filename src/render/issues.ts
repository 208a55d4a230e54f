// Issues as text or GitHub annotations (JSON: validateDocument in json.ts): apart from report.ts, so
// validate (and validate --staged above all) loads no plan or diff code.
import { formatIssue, issueText, type Issue } from '../core/issue.js';
import { plural } from '../core/plural.js';

export type IssueFormat = 'text' | 'github';

/** The issues as text (with the summary line) or GitHub annotations; JSON is validateDocument (json.ts). */
export function renderIssues(issues: Issue[], format: IssueFormat, files: number): string {
  if (format === 'github') {
    return issues
      .map((i) => `::${i.severity} file=${escProperty(i.file)},line=${i.line},col=${i.col}::${escData(issueText(i))}`)
      .join('\n');
  }
  return [...issues.map(formatIssue), issuesSummaryLine(issues, files)].join('\n');
}

/** "2 errors in 1 of 4 files. Fix them ...", or "4 files valid.": the last line of the text report. */
export function issuesSummaryLine(issues: Issue[], files: number): string {
  const errors = issues.filter((i) => i.severity === 'error');
  const bad = new Set(errors.map((i) => i.file)).size;
  return errors.length
    ? `${plural(errors.length, 'error')} in ${bad} of ${plural(files, 'file')}. Fix ${errors.length === 1 ? 'it' : 'them'} and run again; nothing was sent to Open.cx.`
    : `${plural(files, 'file')} valid.`;
}

/** GitHub workflow-command escaping, so a message with newlines stays one annotation. */
function escData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escProperty(s: string): string {
  return escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
