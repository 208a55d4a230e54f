// Reading the trainings folder: `.MD` is a training like `.md`, every file that looks like a training but is
// skipped gets a warning naming it, and a file or folder that cannot be read is an error for that path
// that does not hide the other files' issues.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { loadTrainings, runApply } from '../src/engine.js';
import { startSandbox } from '../src/sandbox/server.js';
import { CLI, collect, KEY, trainingFile, workspace, type CliResult } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function ws(files: Record<string, string>) {
  const w = workspace(files);
  cleanups.push(() => w.cleanup());
  return w;
}

describe('scan', () => {
  it('renaming a.md to a.MD keeps the training: apply --prune deletes nothing', async () => {
    const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
    cleanups.push(() => sandbox.close());
    const w = ws({ 'trainings/a.md': trainingFile('A?'), 'trainings/b.md': trainingFile('B?') });
    const config = resolveConfig({ cwd: w.dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY }, flags: {} });
    const opts = { prune: true, onDrift: 'fail' as const, maxDeletes: 10, lockWaitMs: 1000, refresh: true };
    expect((await runApply(config, opts)).outcomes.map((o) => o.status)).toEqual(['created', 'created']);
    renameSync(path.join(w.dir, 'trainings/a.md'), path.join(w.dir, 'trainings/a.MD'));
    const ids = [...sandbox.state.trainings.keys()].sort();
    const again = await runApply(config, opts);
    // Only the recorded path changes (a local move); nothing is deleted or sent.
    expect(again.outcomes.map((o) => `${o.status} ${o.change.key}`)).toEqual(['moved a']);
    expect([...sandbox.state.trainings.keys()].sort()).toEqual(ids);
    expect(JSON.parse(w.read('opencx-sync.state.json')).trainings.a.path).toBe('a.MD');
  });

  it('warns about each file that looks like a training but is skipped, naming it', async () => {
    const w = ws({
      'trainings/a.md': trainingFile('A?'),
      'trainings/b.markdown': trainingFile('B?'),
      'trainings/.hidden.md': trainingFile('H?'),
      'trainings/.drafts/c.md': trainingFile('C?'),
      'trainings/dir.md/d.md': trainingFile('D?'),
      'elsewhere/e.md': trainingFile('E?'),
    });
    symlinkSync(path.join(w.dir, 'trainings/a.md'), path.join(w.dir, 'trainings/link.md'));
    symlinkSync(path.join(w.dir, 'elsewhere'), path.join(w.dir, 'trainings/linked'));
    expect(spawnSync('mkfifo', [path.join(w.dir, 'trainings/pipe.md')]).status).toBe(0);
    const loaded = await loadTrainings(resolveConfig({ cwd: w.dir, env: {}, flags: {} }));
    expect(loaded.trainings.map((t) => t.key).sort()).toEqual(['a', 'dir.md/d']);
    const warnings = loaded.issues.filter((i) => i.severity === 'warning').map((i) => `${i.file}: ${i.message}`);
    expect(warnings).toEqual([
      expect.stringMatching(/^trainings\/\.drafts\/c\.md: skipped: .*hidden/),
      expect.stringMatching(/^trainings\/\.hidden\.md: skipped: .*hidden/),
      expect.stringMatching(/^trainings\/b\.markdown: skipped: only \.md files are trainings/),
      expect.stringMatching(/^trainings\/link\.md: skipped: a symlink/),
      expect.stringMatching(/^trainings\/linked: skipped: a symlink/),
      expect.stringMatching(/^trainings\/pipe\.md: skipped: not a regular file/),
    ]);
    expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('a training whose name or folder holds a line break is named in a warning (shown escaped), never missed in silence', async () => {
    const w = ws({ 'trainings/a.md': trainingFile('A?'), 'trainings/line\nbreak.md': trainingFile('B?'), 'trainings/dir\u2028x/c.md': trainingFile('C?'), 'trainings/notes\n.txt': 'x' });
    const loaded = await loadTrainings(resolveConfig({ cwd: w.dir, env: {}, flags: {} }));
    expect(loaded.trainings.map((t) => t.key)).toEqual(['a']);
    expect(loaded.issues.map((i) => `${i.file}: ${i.severity}: ${i.message}`)).toEqual([
      expect.stringMatching(/^trainings\/dir\\u2028x\/c\.md: warning: skipped: a line break in its name/),
      expect.stringMatching(/^trainings\/line\\nbreak\.md: warning: skipped: a line break in its name/),
    ]);
  });

  it('a file whose name is not UTF-8 is an error that says so (not "check that the path exists")', async () => {
    const w = ws({ 'trainings/a.md': trainingFile('A?') });
    writeFileSync(Buffer.concat([Buffer.from(path.join(w.dir, 'trainings/lat')), Buffer.from([0xe9]), Buffer.from('.md')]), trainingFile('L?'));
    const loaded = await loadTrainings(resolveConfig({ cwd: w.dir, env: {}, flags: {} }));
    expect(loaded.issues.map((i) => `${i.severity}: ${i.message}`)).toEqual([expect.stringMatching(/^error: cannot read this file \(ENOENT\): its name is not UTF-8/)]);
  });

  it('a folder whose name is not UTF-8 is an error that says so, not skipped in silence with the trainings in it', async () => {
    const w = ws({ 'trainings/a.md': trainingFile('A?') });
    // Read back as "lat\uFFFD", a name that does not exist: it looked like a folder gone meanwhile.
    const dir = Buffer.concat([Buffer.from(path.join(w.dir, 'trainings/lat')), Buffer.from([0xe9])]);
    mkdirSync(dir);
    writeFileSync(Buffer.concat([dir, Buffer.from('/x.md')]), trainingFile('L?'));
    const loaded = await loadTrainings(resolveConfig({ cwd: w.dir, env: {}, flags: {} }));
    expect(loaded.issues.map((i) => `${i.file}: ${i.severity}: ${i.message}`)).toEqual([
      expect.stringMatching(/^trainings\/lat\uFFFD: error: cannot read this folder \(ENOENT\): its name is not UTF-8 .*; the trainings in it would be missed$/),
    ]);
  });

  it('a file that is not UTF-8 is an error at the line of its first bad byte, not a training with garbled text', async () => {
    const w = ws({ 'trainings/a.md': trainingFile('A?'), 'trainings/drafts/old.md': 'x' });
    // Latin-1 "é", and a UTF-16 file (byte order mark FF FE).
    writeFileSync(path.join(w.dir, 'trainings/latin1.md'), Buffer.concat([Buffer.from('# Cafe?\n\nCaf'), Buffer.from([0xe9]), Buffer.from('.\n')]));
    writeFileSync(path.join(w.dir, 'trainings/utf16.md'), Buffer.from('\ufeff# Q?\n\nA.\n', 'utf16le'));
    writeFileSync(path.join(w.dir, 'trainings/drafts/old.md'), Buffer.from([0x23, 0x20, 0xe9]));
    const file = { path: 'opencx-sync.config.json', text: '{"ignore": ["drafts/**"]}' };
    const loaded = await loadTrainings(resolveConfig({ cwd: w.dir, env: {}, flags: {}, file }));
    expect(loaded.trainings.map((t) => t.key)).toEqual(['a']);
    // Counted among the files checked: "2 errors in 2 of 3 files", not "of 1 file".
    expect(loaded.files).toBe(3);
    expect(loaded.issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.severity}: ${i.message}`)).toEqual([
      expect.stringMatching(/^trainings\/latin1\.md:3:4 error: not UTF-8 text: .*save it as UTF-8/),
      expect.stringMatching(/^trainings\/utf16\.md:1:1 error: not UTF-8 text: .*UTF-16.*save it as UTF-8/),
    ]);
  });

  it('an ignored path gets no warning', async () => {
    const w = ws({ 'trainings/a.md': trainingFile('A?'), 'trainings/drafts/b.markdown': 'x', 'opencx-sync.config.json': '{"ignore": ["drafts/**"]}' });
    const loaded = await loadTrainings(resolveConfig({ cwd: w.dir, env: {}, flags: {}, file: { path: 'opencx-sync.config.json', text: w.read('opencx-sync.config.json') } }));
    expect(loaded.issues).toEqual([]);
  });

  it('an unreadable training file and folder are errors naming them, reported with the other files\' issues', async () => {
    const w = ws({
      'trainings/ok.md': trainingFile('OK?'),
      'trainings/secret.md': trainingFile('Secret?'),
      'trainings/locked/x.md': trainingFile('X?'),
      'trainings/broken.md': '---\ntitle: Broken\nis_draft: true\n---\nBody.\n',
    });
    // Root reads everything, so the CLI runs as another user (nobody) when the tests run as root.
    chmodSync(w.dir, 0o755);
    for (const d of ['trainings', 'trainings/locked']) chmodSync(path.join(w.dir, d), 0o755);
    for (const f of ['ok.md', 'secret.md', 'locked/x.md', 'broken.md']) chmodSync(path.join(w.dir, 'trainings', f), 0o644);
    chmodSync(path.join(w.dir, 'trainings/secret.md'), 0o000);
    chmodSync(path.join(w.dir, 'trainings/locked'), 0o000);
    const r = await runAsUser(['validate'], w.dir);
    chmodSync(path.join(w.dir, 'trainings/locked'), 0o755);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).not.toContain('Internal error');
    expect(out).toMatch(/trainings\/secret\.md:1:1: cannot read this file \(EACCES\): check its permissions/);
    expect(out).toMatch(/trainings\/locked:1:1: cannot read this folder \(EACCES\): check its permissions/);
    expect(out).toMatch(/trainings\/broken\.md:3:1: unknown key "is_draft"/);
  });
});

/** Runs the built CLI as a user that file permissions apply to (nobody, when the tests run as root). */
function runAsUser(args: string[], cwd: string): Promise<CliResult> {
  const asRoot = process.getuid?.() === 0;
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return collect(child);
}
