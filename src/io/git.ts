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

const BOT = ['-c', 'user.name=opencx-sync[bot]', '-c', 'user.email=opencx-sync[bot]@users.noreply.github.com'];

/**
 * Commits one file and pushes it to the branch being built, rebasing and retrying when someone pushed
 * in between. Returns false when the file has no change to commit.
 */
export async function commitAndPush(cwd: string, file: string, message: string, attempts = 5): Promise<boolean> {
  const git = (args: string[]) => run('git', args, { cwd });
  const { stdout: status } = await git(['status', '--porcelain', '--', file]);
  if (!status.trim()) return false;
  await git(['add', '--', file]);
  await git([...BOT, 'commit', '-m', message, '--', file]);
  const branch = process.env.GITHUB_REF_NAME || (await git(['rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim();
  for (let attempt = 1; ; attempt++) {
    try {
      await git(['push', 'origin', `HEAD:refs/heads/${branch}`]);
      return true;
    } catch (err) {
      if (attempt >= attempts) throw new UserError(`could not push ${file} to ${branch} after ${attempt} attempts: ${(err as { stderr?: string }).stderr ?? err}`);
    }
    try {
      await git([...BOT, 'pull', '--rebase', 'origin', branch]);
    } catch (err) {
      await git(['rebase', '--abort']).catch(() => undefined);
      throw new UserError(`could not rebase ${file} onto ${branch}: ${(err as { stderr?: string }).stderr ?? err}`);
    }
  }
}
