// Reads the trainings folder: Markdown files, POSIX relative paths, sorted, so every run sees the same order.
// A file that looks like a training but is skipped gets a warning, and one that cannot be read an error
// for its path, because a training missed silently is a training `--prune` deletes.
import { readdir, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import fg from 'fast-glob';
import type { Issue } from '../core/issue.js';
import type { SourceFile } from '../core/parse.js';
import { UserError } from '../errors.js';
import { hintFor } from './file-error.js';
import { toPosix } from './paths.js';

export interface ScanResult {
  files: (SourceFile & { ignored: boolean })[];
  /** Unreadable files and folders (errors) and skipped look-alikes (warnings). */
  issues: Issue[];
  /** Training files not ignored that could not be read (or are not UTF-8): errors, and still files checked. */
  unread: number;
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
  // The folder's own display path once, not a path.relative per file (fast-glob's paths are normalised).
  const base = toPosix(path.relative(opts.cwd, root));
  const display = (p: string) => (p === '' ? base || '.' : base ? `${base}/${p}` : p);
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
  let unread = 0;
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
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(root, p));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      at(p, `cannot read this file (${code ?? (err as Error).message}): ${hintFor(code, 'read')}`, 'error');
      if (!ignored) unread++;
      continue;
    }
    const text = bytes.toString('utf8');
    // Decoded as it is, a Latin-1 or UTF-16 file would reach Open.cx with "\uFFFD" for every accent.
    if (!isUtf8(bytes)) {
      if (!ignored) {
        issues.push({ file: display(p), ...notUtf8(bytes, text), severity: 'error' });
        unread++;
      }
      continue;
    }
    files.push({ path: p, displayPath: display(p), text, ignored });
  }
  return { files, issues, unread };
}

/** Where a file that is not UTF-8 goes wrong, and what to do. */
function notUtf8(bytes: Buffer, text: string): { line: number; col: number; message: string } {
  const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  // The first character the decoder replaced (a U+FFFD typed in the file before it would point too early; rare).
  const bad = utf16 ? 0 : Math.max(0, text.indexOf('\uFFFD'));
  const before = text.slice(0, bad).split('\n');
  const kind = utf16 ? 'it is saved as UTF-16' : 'it holds bytes that are not UTF-8 (saved as Latin-1 or Windows-1252?)';
  return {
    line: before.length,
    col: (before.at(-1)?.length ?? 0) + 1,
    message: `not UTF-8 text: ${kind}; save it as UTF-8 in your editor, then run again`,
  };
}

