// What `npm install opencx-sync` gets: the tarball holds only what the CLI needs, and the CLI works
// when installed from it into an empty folder.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { collect, KEY, ROOT, trainingFile } from '../helpers.js';

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
  it('holds the bundled CLI, the schemas and the licence, without the Action bundle, tsc output, tests or source maps', () => {
    const files = pack.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'build/cli/opencx-sync.js', 'build/cli/locales/fr.json', 'schema/front-matter.schema.json', 'schema/config.schema.json']));
    expect(files.filter((f) => f.startsWith('dist/') || f.startsWith('build/src/') || f.startsWith('test') || f.startsWith('src/') || f.endsWith('.map') || f.endsWith('.ts'))).toEqual([]);
    // Every file is the bundle, one of its chunks or yargs' translations, or one of the four above and the schemas.
    expect(files.filter((f) => !/^build\/cli\/([\w-]+\.js|locales\/\w+\.json)$/.test(f) && !/^schema\/[\w-]+\.schema\.json$/.test(f))).toEqual(['LICENSE', 'README.md', 'package.json']);
    // The bundle holds zod, yargs, yaml and fast-glob (undici stays a dependency, loaded by the online commands only).
    expect(pack.size).toBeLessThan(450_000);
  });

  it('runs the bundle as its bin, through the symlink npm makes', () => {
    const installed = JSON.parse(readFileSync(path.join(project, 'node_modules/opencx-sync/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(installed.bin).toEqual({ 'opencx-sync': 'build/cli/opencx-sync.js' });
    expect(realpathSync(path.join(project, 'node_modules/.bin/opencx-sync'))).toBe(realpathSync(path.join(project, 'node_modules/opencx-sync/build/cli/opencx-sync.js')));
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

  it('installed, applies through the API client: the chunk that loads undici finds it among the dependencies', async () => {
    const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY, OPENCX_SYNC_STATE: path.join(tmp, 'state.json') };
      // Not spawnSync: the sandbox answers from this process.
      const apply = await collect(spawn('npx', ['--no-install', 'opencx-sync', 'apply', '--yes'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] }));
      expect([apply.code, apply.stderr]).toEqual([0, '']);
      expect([...sandbox.state.trainings.values()].map((t) => t.title)).toEqual(['How do I get a refund?']);
    } finally {
      await sandbox.close();
    }
  });
});
