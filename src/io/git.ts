// The few git reads the pre-commit mode needs: which Markdown files are staged, and their staged text.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';

const run = promisify(execFile);

/** Staged (added, copied, modified, renamed) Markdown files, relative to `cwd`, with their staged content. */
export async function readStagedMarkdown(cwd: string): Promise<Map<string, string>> {
  let names: string;
  try {
    ({ stdout: names } = await run('git', ['diff', '--cached', '--name-only', '--relative', '--diff-filter=ACMR', '-z', '--', '*.md'], { cwd }));
  } catch {
    throw new UserError('--staged needs a git repository (run it from inside your checkout)');
  }
  const staged = new Map<string, string>();
  for (const name of names.split('\0').filter(Boolean)) {
    const { stdout } = await run('git', ['show', `:./${name}`], { cwd, maxBuffer: 64 * 1024 * 1024 });
    staged.set(name, stdout);
  }
  return staged;
}
