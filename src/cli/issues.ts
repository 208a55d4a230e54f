import type { Loaded } from '../engine.js';
import type { Term } from './term.js';

/**
 * Prints file issues for plan and apply: with --json, the JSON report on stdout (it is the output);
 * otherwise text on stderr. `stopped`: the files are invalid, so the command ends with exit 1.
 */
export async function printIssues(term: Term, loaded: Loaded, json: boolean, stopped: boolean): Promise<void> {
  const { renderIssues } = await import('../io/issue-report.js');
  if (stopped) {
    if (json) term.out(renderIssues(loaded.issues, 'json', loaded.files));
    else term.err(renderIssues(loaded.issues, 'text', loaded.files));
    process.exitCode = 1;
  } else if (loaded.issues.length && !json) {
    term.err(renderIssues(loaded.issues, 'text', loaded.files));
  }
}
