// Reads the trainings folder: Markdown files, POSIX relative paths, sorted, so every run sees the same order.
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import type { SourceFile } from '../core/parse.js';
import { UserError } from '../errors.js';

/** Every Markdown file; those matching an `ignore` glob are marked, so their keys are still known. */
export async function readSourceFiles(opts: { cwd: string; dir: string; ignore: string[] }): Promise<(SourceFile & { ignored: boolean })[]> {
  const root = path.resolve(opts.cwd, opts.dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError(`trainings folder "${opts.dir}" not found: create it, or point --dir (or "dir" in the config) at it`);
  }
  const glob = (ignore: string[]) => fg('**/*.md', { cwd: root, ignore, onlyFiles: true, followSymbolicLinks: false });
  const paths = (await glob([])).sort();
  const kept = opts.ignore.length ? new Set(await glob(opts.ignore)) : undefined;
  // Synchronous reads on purpose: for thousands of small files they are several times faster than
  // fs/promises (open, stat, read and close each cross the thread pool), and nothing else runs meanwhile.
  return paths.map((p) => ({
    path: p,
    displayPath: toPosix(path.relative(opts.cwd, path.join(root, p))),
    text: readFileSync(path.join(root, p), 'utf8'),
    ignored: kept !== undefined && !kept.has(p),
  }));
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
