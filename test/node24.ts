// The Node the Action runs on (action.yml: `runs.using: node24`), for the tests that run the bundle,
// and the other Node majors the CLI claims (package.json engines), for the tests that run the CLI.
// They come from the npm registry like every other dependency: the official binary package
// node-<platform>-<arch>, unpacked once into node_modules/.cache (so a fresh clone needs only npm).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

/** Bump with the Action's runtime; any 24.x will do. */
const NODE24 = '24.21.0';

/** The lowest Node 22 that engines accepts (`>=22.12.0`): the floor is what a user may have. */
export const NODE22 = '22.12.0';

export function node24(): string {
  return nodeBinary(NODE24);
}

/** The `node` of this exact version; the running one when it is that version. */
export function nodeBinary(version: string): string {
  if (process.versions.node === version || (version === NODE24 && process.versions.node.split('.')[0] === '24')) return process.execPath;
  const cache = path.join(ROOT, 'node_modules/.cache/opencx-sync-node');
  const dir = path.join(cache, `${version}-${process.platform}-${process.arch}`);
  const bin = path.join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  // Unpack beside the target, then rename: a run killed half-way leaves no half-made binary behind.
  const tmp = mkdtempSync(path.join(cache, 'tmp-'));
  try {
    const pkg = `node-${process.platform}-${process.arch}@${version}`;
    const tgz = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8' }).trim().split('\n').pop() as string;
    execFileSync('tar', ['xzf', path.join(tmp, tgz), '-C', tmp]);
    rmSync(path.join(tmp, tgz));
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another test file unpacked it at the same time: theirs is as good as ours.
      if (!existsSync(bin)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}
