// File issues for the commands that stop on invalid files (plan, apply, audience).
import type { Loaded } from '../engine.js';
import type { Term } from './term.js';

/**
 * Invalid files stop the command: thrown, so main() reports them once (text on stderr; under --json the
 * error document with every issue). Warnings alone are shown on stderr, except under --json.
 */
export async function checkIssues(term: Term, loaded: Loaded, json: boolean, stopped: boolean): Promise<void> {
  const { InvalidFilesError } = await import('../errors.js');
  const { issuesSummaryLine, renderIssues } = await import('../render/issues.js');
  if (stopped) throw new InvalidFilesError(loaded.issues, loaded.files, issuesSummaryLine(loaded.issues, loaded.files));
  if (loaded.issues.length && !json) term.err(renderIssues(loaded.issues, 'text', loaded.files));
}
