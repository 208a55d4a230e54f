// Reads the trainings folder: Markdown files, POSIX relative paths, sorted, so every run sees the same order.
// A file that looks like a training but is skipped gets a warning, and one that cannot be read an error
// for its path, because a training missed silently is a training `--prune` deletes.
import { existsSync, readdir, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import type { Issue } from '../core/issue.js';
import type { SourceFile } from '../core/parse.js';
import { UserError } from '../errors.js';
import { hintFor } from './file-error.js';

export interface ScanResult {
  files: (SourceFile & { ignored: boolean })[];
  /** Unreadable files and folders (errors) and skipped look-alikes (warnings). */
  issues: Issue[];
}

const MARKDOWN = /\.md$/i;
const OTHER_MARKDOWN = /\.(markdown|mdown|mkdn|mkd|mdx)$/i;
// Never walked: git's own files are no trainings, and a big folder to read for nothing.
const NEVER = ['**/.git', '**/.git/**'];

/**
 * Which of these paths (not written yet) an `ignore` glob would hide. Answered by the same glob call the
 * scan makes, over empty stand-ins in a temporary folder, so the two can never disagree.
 */
export async function ignoredAmong(paths: readonly string[], ignore: string[]): Promise<Set<string>> {
  if (!ignore.length || !paths.length) return new Set();
  const root = await mkdtemp(path.join(tmpdir(), 'opencx-sync-ignore-'));
  try {
    for (const p of paths) {
      const file = path.join(root, ...p.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, '');
    }
    const kept = new Set(await fg('**', { cwd: root, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: [...NEVER, ...ignore], caseSensitiveMatch: false }));
    return new Set(paths.filter((p) => !kept.has(p)));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Every Markdown file (`.md` in any case); those matching an `ignore` glob are marked, so their keys are still known. */
export async function readSourceFiles(opts: { cwd: string; dir: string; ignore: string[] }): Promise<ScanResult> {
  const root = path.resolve(opts.cwd, opts.dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError(`trainings folder "${opts.dir}" not found: create it, or point --dir (or "dir" in the config) at it`);
  }
  const display = (p: string) => toPosix(path.relative(opts.cwd, path.join(root, p))) || '.';
  const issues: Issue[] = [];
  const at = (p: string, message: string, severity: Issue['severity']) => issues.push({ file: display(p), line: 1, col: 1, message, severity });

  // A folder that cannot be read is reported and left out, instead of failing the whole walk.
  const unreadable = new Map<string, string>();
  const fs = {
    readdir: ((dir: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, entries: unknown[]) => void) => {
      readdir(dir, options as { withFileTypes: true }, (err, entries) => {
        if (err && err.code !== 'ENOENT') {
          unreadable.set(toPosix(path.relative(root, dir)), err.code ?? err.message);
          callback(null, []);
        } else callback(err, entries);
      });
    }) as never,
  };
  const glob = { cwd: root, dot: true, onlyFiles: false, followSymbolicLinks: false, fs };
  const entries = (await fg('**', { ...glob, ignore: NEVER, objectMode: true })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Case-insensitive, so `**/README.md` also leaves out a README.MD, which is now scanned too.
  const kept = opts.ignore.length ? new Set(await fg('**', { ...glob, ignore: [...NEVER, ...opts.ignore], caseSensitiveMatch: false })) : undefined;
  for (const [dir, code] of unreadable) {
    at(dir, `cannot read this folder (${code}): ${hintFor(code, 'read')}; the trainings in it would be missed`, 'error');
  }

  const files: ScanResult['files'] = [];
  for (const e of entries) {
    const p = e.path;
    const ignored = kept !== undefined && !kept.has(p);
    const d = e.dirent;
    if (d.isDirectory()) continue;
    const looksLike = MARKDOWN.test(p) || OTHER_MARKDOWN.test(p);
    if (d.isSymbolicLink()) {
      if (!ignored) at(p, 'skipped: a symlink (symlinks are not followed); move the file or folder into the trainings folder instead', 'warning');
      continue;
    }
    if (!looksLike) continue;
    if (p.split('/').some((s) => s.startsWith('.'))) {
      if (!ignored && MARKDOWN.test(p)) at(p, 'skipped: a hidden file (its name or a folder\'s name starts with "."); rename it if it is a training', 'warning');
      continue;
    }
    if (!MARKDOWN.test(p)) {
      if (!ignored) at(p, 'skipped: only .md files are trainings; rename it to .md if it is one', 'warning');
      continue;
    }
    if (!d.isFile()) {
      if (!ignored) at(p, 'skipped: not a regular file (a pipe, socket or device)', 'warning');
      continue;
    }
    // Synchronous reads on purpose: for thousands of small files they are several times faster than
    // fs/promises (open, stat, read and close each cross the thread pool), and nothing else runs meanwhile.
    let text: string;
    try {
      text = readFileSync(path.join(root, p), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      at(p, `cannot read this file (${code ?? (err as Error).message}): ${hintFor(code, 'read')}`, 'error');
      continue;
    }
    files.push({ path: p, displayPath: display(p), text, ignored });
  }
  return { files, issues };
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Which of these paths (relative to `cwd`) exist: only the linked ones are looked up, not the whole tree. */
export function existingPaths(cwd: string, paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) if (existsSync(path.resolve(cwd, p))) out.add(p);
  return out;
}
