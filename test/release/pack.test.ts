// What `npm install opencx-sync` gets: the tarball holds only what the CLI needs, and the CLI works
// when installed from it into an empty folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, trainingFile } from '../helpers.js';

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

const tmp = mkdtempSync(path.join(tmpdir(), 'opencx-sync-pack-'));
const project = path.join(tmp, 'project');
let pack: PackResult;

beforeAll(() => {
  // --ignore-scripts: `prepare` (the build) already ran in `npm test`.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' });
  pack = (JSON.parse(out) as PackResult[])[0] as PackResult;
  mkdirSync(path.join(project, 'trainings/billing'), { recursive: true });
  writeFileSync(path.join(project, 'package.json'), '{ "name": "trainings", "private": true }\n');
  writeFileSync(path.join(project, 'trainings/billing/refunds.md'), trainingFile('How do I get a refund?', 'Within 30 days.'));
  // From npm's cache when it holds everything (it does after `npm ci`), else from the registry.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', path.join(tmp, pack.filename)], { cwd: project, stdio: 'pipe' });
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const npx = (...args: string[]) =>
  spawnSync('npx', ['--no-install', 'opencx-sync', ...args], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' } });

describe('the npm package', () => {
  it('holds the CLI, the schemas and the licence, without the Action bundle, tests or source maps', () => {
    const files = pack.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'build/src/cli/main.js', 'schema/front-matter.schema.json', 'schema/config.schema.json']));
    expect(files.filter((f) => f.startsWith('dist/') || f.startsWith('build/src/action/') || f.startsWith('test') || f.startsWith('src/') || f.endsWith('.map') || f.endsWith('.ts'))).toEqual([]);
    expect(pack.size).toBeLessThan(200_000);
  });

  it('has no source map comments pointing at files it does not ship', () => {
    const dir = path.join(project, 'node_modules/opencx-sync');
    const dangling = pack.files
      .filter((f) => f.path.endsWith('.js'))
      .filter((f) => /sourceMappingURL=/.test(readFileSync(path.join(dir, f.path), 'utf8')));
    expect(dangling.map((f) => f.path)).toEqual([]);
  });

  it('installed into an empty folder, `npx opencx-sync` runs --help, validate and plan', () => {
    const help = npx('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('opencx-sync <command> [options]');
    const validate = npx('validate');
    expect([validate.status, validate.stdout]).toEqual([0, '1 file valid.\n']);
    const plan = npx('plan');
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('+ create billing/refunds');
    expect(plan.stdout).toContain('Plan: 1 to create');
  });
});
