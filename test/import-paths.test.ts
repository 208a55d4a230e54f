// `import` never writes outside the trainings folder: not through a symlinked folder or file inside it,
// and a fresh repository without the folder yet gets it made.
import path from 'node:path';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../src/engine.js';
import { createRecord, STRICT } from '../src/sandbox/model.js';
import { inProcess, type InProcess } from './inprocess.js';

let env: InProcess | undefined;
const outside = mkdtempSync(path.join(tmpdir(), 'opencx-sync-outside-'));
afterEach(async () => {
  await env?.close();
  env = undefined;
  for (const f of readdirSync(outside)) rmSync(path.join(outside, f), { recursive: true, force: true });
});

function seed(e: InProcess, id: string, title: string, over: object = {}) {
  e.sandbox.state.trainings.set(id, createRecord(id, e.sandbox.state.trainings.size + 1, { title, content: `About ${title}.`, ...over }, '2025-01-01T00:00:00.000Z', STRICT));
}

describe('import writes only inside the trainings folder', () => {
  it('refuses a symlinked folder or file on the way, names it, and writes nothing at all', async () => {
    env = await inProcess({});
    seed(env, 'd0', 'Plain one');
    seed(env, 'd1', 'Refunds', { directory_id: 'dir-billing' });
    seed(env, 'd2', 'Linked file');
    symlinkSync(outside, path.join(env.ws.dir, 'trainings', 'dir-billing'));
    symlinkSync(path.join(outside, 'target.md'), path.join(env.ws.dir, 'trainings', 'linked-file.md'));
    const err = await runImport(env.config, { dryRun: false, force: false }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('trainings/dir-billing');
    expect(err?.message).toContain('symlink');
    expect(err?.message).toContain('trainings/linked-file.md');
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(env.ws.dir, 'trainings', 'plain-one.md'))).toBe(false);
  });

  it('--dry-run in a repository without the folder lists what it would write, and makes nothing', async () => {
    env = await inProcess({});
    seed(env, 'd0', 'First one');
    rmSync(path.join(env.ws.dir, 'trainings'), { recursive: true });
    const r = await runImport(env.config, { dryRun: true, force: false });
    expect(r.files.map((f) => f.path)).toEqual(['first-one.md']);
    expect(existsSync(path.join(env.ws.dir, 'trainings'))).toBe(false);
    expect(env.writes()).toEqual([]);
  });

  it('creates the trainings folder in a repository that has none yet', async () => {
    env = await inProcess({});
    seed(env, 'd0', 'First one');
    rmSync(path.join(env.ws.dir, 'trainings'), { recursive: true });
    writeFileSync(path.join(env.ws.dir, 'README.md'), 'repo\n');
    const r = await runImport(env.config, { dryRun: false, force: false });
    expect(r.files.map((f) => f.path)).toEqual(['first-one.md']);
    expect(env.ws.read('trainings/first-one.md')).toContain('id: "d0"');
  });

  it('writes no file where the config\'s "ignore" would hide it, so a second import writes no copy', async () => {
    env = await inProcess({});
    const config = { ...env.config, ignore: ['drafts/**'], names: { ...env.config.names, directories: new Map([['Drafts', 'dir-product']]) } };
    seed(env, 'd0', 'Work in progress', { directory_id: 'dir-product' });
    seed(env, 'd1', 'Shipped');
    for (let run = 0; run < 2; run++) {
      const r = await runImport(config, { dryRun: false, force: false });
      expect(r.files.map((f) => f.path)).toEqual(run === 0 ? ['shipped.md'] : []);
      expect(r.left).toContainEqual(expect.objectContaining({ id: 'd0', why: expect.stringContaining('"ignore"') }));
    }
    expect(existsSync(path.join(env.ws.dir, 'trainings', 'drafts'))).toBe(false);
  });
});
