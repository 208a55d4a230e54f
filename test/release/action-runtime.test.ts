// action.yml's runtime, GitHub's schema check of it and of the workflows, and the Node the tests run the bundle on.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { node24 } from '../node24.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'action-runtime-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function check(...files: string[]) {
  return spawnSync(process.execPath, ['scripts/check-actions.mjs', ...files], { cwd: ROOT, encoding: 'utf8' });
}

describe('the Action runtime', () => {
  it('action.yml runs the bundle on Node 24', () => {
    const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/action.js' });
  });

  it('the bundle is built for Node 24', () => {
    expect(readFileSync(path.join(ROOT, 'scripts/bundle-action.mjs'), 'utf8')).toContain("target: 'node24'");
  });

  it('the tests run the bundle on a Node 24 binary', () => {
    expect(execFileSync(node24(), ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  }, 300_000);

  it('action.yml and every workflow pass GitHub\'s schema check', () => {
    const r = check();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('action.yml: valid action');
    expect(r.stdout).toContain('.github/workflows/ci.yml: valid workflow');
  });

  it('the schema check refuses an unknown runtime and an unknown workflow key', () => {
    writeFileSync(path.join(tmp, 'action.yml'), 'name: x\ndescription: y\nruns:\n  using: node99\n  main: a.js\n');
    writeFileSync(path.join(tmp, 'wf.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n');
    const r = check(path.join(tmp, 'action.yml'), path.join(tmp, 'wf.yml'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Unexpected value 'node99'");
    expect(r.stderr).toContain("Unexpected value 'stepz'");
  });

  it('CI tests the CLI on every Node major we claim, on the Node 24 majors of the official actions', () => {
    const ci = parse(readFileSync(path.join(ROOT, '.github/workflows/ci.yml'), 'utf8'));
    const job = Object.values(ci.jobs as Record<string, { strategy?: { matrix?: { node?: number[] } }; steps: { uses?: string }[] }>)[0];
    expect(job?.strategy?.matrix?.node).toEqual([20, 22, 24]);
    for (const file of ['ci.yml', 'trainings-sync.yml', 'release.yml']) {
      const text = readFileSync(path.join(ROOT, '.github/workflows', file), 'utf8');
      expect(text, file).not.toMatch(/actions\/(checkout|setup-node)@v[1-5]\b/);
    }
  });
});
