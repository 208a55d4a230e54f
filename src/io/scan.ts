// Reads the trainings folder: Markdown files, POSIX relative paths, sorted, so every run sees the same order.
// A file that looks like a training but is skipped gets a warning, and one that cannot be read an error
// for its path, because a training missed silently is a training `--prune` deletes.
import { readdir, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
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
  const { default: fg } = await import('fast-glob');
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
  // The folder's own display path once, not a path.relative per file.
  const base = toPosix(path.relative(opts.cwd, root));
  const display = (p: string) => (p === '' ? base || '.' : base ? `${base}/${p}` : p);
  const issues: Issue[] = [];
  // A path with a line break is shown escaped: a message stays on its one line.
  const shown = (p: string) => display(p).replace(LINE_BREAKS, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16)}`));
  const at = (p: string, message: string, severity: Issue['severity']) => issues.push({ file: shown(p), line: 1, col: 1, message, severity });

  const walked = walk(root);
  // Only ignore globs need fast-glob (loaded then): the same walk over the folders already read.
  const kept = opts.ignore.length ? await keptBy(root, opts.ignore, walked.folders) : undefined;
  for (const [dir, code] of walked.unreadable) {
    const why = code === 'ENOENT' ? NOT_UTF8_NAME : hintFor(code, 'read');
    at(dir, `cannot read this folder (${code}): ${why}; the trainings in it would be missed`, 'error');
  }

  const files: ScanResult['files'] = [];
  let unread = 0;
  for (const { path: p, abs, dirent: d, hidden, broken } of walked.entries) {
    const looksLike = MARKDOWN.test(p) || OTHER_MARKDOWN.test(p);
    // fast-glob's `**` (and so an `ignore` glob) never matches such a path; a key could not hold it either.
    if (broken) {
      if (looksLike && !hidden) at(p, LINE_BREAK_SKIPPED, 'warning');
      continue;
    }
    const ignored = kept !== undefined && !kept.has(p);
    if (d.isSymbolicLink()) {
      if (!ignored) at(p, 'skipped: a symlink (symlinks are not followed); move the file or folder into the trainings folder instead', 'warning');
      continue;
    }
    if (!looksLike) continue;
    if (hidden) {
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
    // Read as text, which costs no Buffer per file; only text with a replacement character (a byte that
    // is not UTF-8, or one typed in the file) is read again as bytes to tell which.
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
      if (text.includes('\uFFFD')) {
        const bytes = readFileSync(abs);
        text = bytes.toString('utf8');
        // Decoded as it is, a Latin-1 or UTF-16 file would reach Open.cx with "\uFFFD" for every accent.
        if (!isUtf8(bytes)) {
          if (!ignored) {
            issues.push({ file: display(p), ...notUtf8(bytes, text), severity: 'error' });
            unread++;
          }
          continue;
        }
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A name that is not UTF-8 comes back from the folder with U+FFFD in it, and that name does not exist.
      const why = code === 'ENOENT' && p.includes('\uFFFD') ? NOT_UTF8_NAME : hintFor(code, 'read');
      at(p, `cannot read this file (${code ?? (err as Error).message}): ${why}`, 'error');
      if (!ignored) unread++;
      continue;
    }
    files.push({ path: p, displayPath: display(p), text, ignored });
  }
  return { files, issues, unread };
}

interface Walked {
  /** Everything but folders, sorted by path; `broken`: a line break in its name or a folder's. */
  entries: { path: string; abs: string; dirent: Dirent; hidden: boolean; broken: boolean }[];
  /** Every folder read, by its absolute path (the one `keptBy` gets), with its entries. */
  folders: Map<string, Dirent[]>;
  /** Folders that could not be read, by path, with the error code. */
  unreadable: Map<string, string>;
}

/**
 * The folder's tree, as fast-glob's `**` (dot files included, symlinks not followed, `.git` never
 * walked) returned it: with readdirSync, several times cheaper. A folder that cannot be read is noted
 * and left out, instead of failing the whole walk; one gone meanwhile (ENOENT) is skipped, as fast-glob
 * does. test/scan-walk.test.ts holds it to fast-glob's answer.
 */
function walk(root: string): Walked {
  const entries: Walked['entries'] = [];
  const folders: Walked['folders'] = new Map();
  const unreadable: Walked['unreadable'] = new Map();
  // An explicit stack: a deep tree cannot overflow the call stack.
  const stack: { abs: string; rel: string; hidden: boolean; broken: boolean }[] = [{ abs: root, rel: '', hidden: false, broken: false }];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    let list: Dirent[];
    try {
      list = readdirSync(dir.abs, { withFileTypes: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // Gone meanwhile (ENOENT) is skipped, but for a name that is not UTF-8: it comes back with U+FFFD in
      // it, and that name does not exist, so every training in the folder would be missed in silence.
      if (e.code !== 'ENOENT' || dir.rel.includes('\uFFFD')) unreadable.set(dir.rel, e.code ?? e.message);
      folders.set(dir.abs, []);
      continue;
    }
    folders.set(dir.abs, list);
    const prefix = dir.rel === '' ? '' : `${dir.rel}/`;
    const absPrefix = dir.abs.endsWith(path.sep) ? dir.abs : dir.abs + path.sep;
    for (const d of list) {
      const name = d.name;
      if (name === '.git') continue;
      const rel = prefix + name;
      const hidden = dir.hidden || name.startsWith('.');
      // A line break in a name: walked, so a training there is named in a warning rather than missed in silence.
      const broken = dir.broken || LINE_BREAK.test(name);
      if (d.isDirectory()) stack.push({ abs: absPrefix + name, rel, hidden, broken });
      else entries.push({ path: rel, abs: absPrefix + name, dirent: d, hidden, broken });
    }
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, folders, unreadable };
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;
const NOT_UTF8_NAME = 'its name is not UTF-8 (made on a system with another encoding?): rename it';
const LINE_BREAKS = new RegExp(LINE_BREAK.source, 'g');
export const LINE_BREAK_SKIPPED = 'skipped: a line break in its name or a folder\'s name (shown as \\n); rename it if it is a training';

// The paths an `ignore` glob keeps, by fast-glob itself (so `ignore` means what it always meant),
// walking the folders already read instead of the disk again. Case-insensitive, so `**/README.md`
// also leaves out a README.MD, which is scanned too.
async function keptBy(root: string, ignore: string[], folders: Walked['folders']): Promise<Set<string>> {
  const { default: fg } = await import('fast-glob');
  const fs = {
    readdir: ((dir: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, entries: unknown[]) => void) => {
      const known = folders.get(dir);
      if (known) callback(null, known);
      // Not walked above (not expected): read it, as the walk does.
      else readdir(dir, options as { withFileTypes: true }, (err, list) => callback(err?.code === 'ENOENT' ? err : null, err ? [] : list));
    }) as never,
  };
  return new Set(await fg('**', { cwd: root, dot: true, onlyFiles: false, followSymbolicLinks: false, fs, ignore: [...NEVER, ...ignore], caseSensitiveMatch: false }));
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

