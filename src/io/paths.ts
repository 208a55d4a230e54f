// Small path helpers shared by the full scan and the pre-commit mode (which must not load fast-glob).
import { existsSync } from 'node:fs';
import path from 'node:path';

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Which of these paths (relative to `cwd`) exist: only the linked ones are looked up, not the whole tree. */
export function existingPaths(cwd: string, paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) if (existsSync(path.resolve(cwd, p))) out.add(p);
  return out;
}
