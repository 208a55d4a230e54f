// `engines` must be honest: every production dependency in the lock file runs on every Node version we
// claim (the lowest of each major in the CI matrix that our own range allows).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

interface LockPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const MAJORS = [20, 22, 24];

/** Production packages of a lock file whose `engines.node` excludes a Node version we claim. */
function engineConflicts(lock: { packages: Record<string, LockPackage> }, ours: string): string[] {
  const claimed = MAJORS.map((m) => semver.minVersion(semver.intersects(ours, `${m}.x`) ? `${semver.validRange(ours)} ${m}.x` : `${m}.x`)?.version ?? `${m}.0.0`);
  const out: string[] = [];
  for (const [where, pkg] of Object.entries(lock.packages)) {
    if (!where || pkg.dev) continue;
    const range = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
    if (!range) continue;
    for (const v of claimed) {
      if (!semver.satisfies(v, range)) out.push(`${where}@${pkg.version} wants node ${range}, we claim ${v}`);
    }
  }
  return out;
}

describe('engines', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

  it('claims every Node major the CI matrix tests', () => {
    for (const m of MAJORS) expect(semver.intersects(pkg.engines.node, `${m}.x`), `node ${m}`).toBe(true);
  });

  it('no production dependency excludes a Node version we claim', () => {
    expect(engineConflicts(lock, pkg.engines.node)).toEqual([]);
  });

  it('finds a dependency that wants a newer Node than we claim', () => {
    const bad = { packages: { '': {}, 'node_modules/x': { version: '3.1.1', engines: { node: '>=22' } }, 'node_modules/d': { dev: true, engines: { node: '>=26' } } } };
    expect(engineConflicts(bad, '>=20.19')).toEqual(['node_modules/x@3.1.1 wants node >=22, we claim 20.19.0']);
  });
});
