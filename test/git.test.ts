// The git adapters with real repositories in temp folders: the state commit-back and the pre-commit mode.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitAndPush } from '../src/io/git.js';
import { trainingFile } from './helpers.js';
import { runInProcess } from './run-in-process.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'git-test-'));
  dirs.push(d);
  return d;
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

describe('commitAndPush', () => {
  it('rebases and retries when someone pushed in between', async () => {
    const origin = temp();
    git(origin, 'init', '-q', '--bare', '-b', 'main');
    const seed = temp();
    git(seed, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(seed, 'README.md'), 'x\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '-qm', 'seed');
    git(seed, 'remote', 'add', 'origin', origin);
    git(seed, 'push', '-q', 'origin', 'main');
    const runnerA = temp();
    git(runnerA, 'clone', '-q', origin, '.');
    // Meanwhile someone else merges to main.
    writeFileSync(path.join(seed, 'other.md'), 'y\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '-qm', 'someone else');
    git(seed, 'push', '-q', 'origin', 'main');

    writeFileSync(path.join(runnerA, 'state.json'), '{}\n');
    const prev = process.env.GITHUB_REF_NAME;
    process.env.GITHUB_REF_NAME = 'main';
    try {
      expect(await commitAndPush(runnerA, 'state.json', 'chore: state [skip ci]')).toBe(true);
      expect(await commitAndPush(runnerA, 'state.json', 'chore: state [skip ci]')).toBe(false);
    } finally {
      if (prev === undefined) delete process.env.GITHUB_REF_NAME;
      else process.env.GITHUB_REF_NAME = prev;
    }
    expect(git(origin, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['chore: state [skip ci]', 'someone else', 'seed']);
  });
});

describe('validate --staged', () => {
  it('checks the staged text of staged files only', async () => {
    const repo = temp();
    git(repo, 'init', '-q', '-b', 'main');
    const write = (rel: string, text: string) => {
      execFileSync('mkdir', ['-p', path.dirname(path.join(repo, rel))]);
      writeFileSync(path.join(repo, rel), text);
    };
    write('trainings/ok.md', trainingFile('Fine', 'Body'));
    write('trainings/staged.md', '---\ntitle: Staged\nchanels: [web]\n---\nBody\n');
    git(repo, 'add', 'trainings/staged.md');
    // The working tree is fixed but the fix is not staged: the commit would still hold the bad version.
    write('trainings/staged.md', trainingFile('Staged', 'Body'));
    write('trainings/unstaged.md', '---\ntitle: Broken but not staged\nbad: 1\n---\nBody\n');
    const r = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(r.stdout).toBe(
      'trainings/staged.md:3:1: unknown key "chanels": did you mean "channels"?\n1 error in 1 of 1 file. Fix it and run again; nothing was sent to Open.cx.\n',
    );
    expect(r.code).toBe(1);
  });
});

describe('validate --staged against the rest of the next commit', () => {
  function repoWith(files: Record<string, string>) {
    const repo = temp();
    git(repo, 'init', '-q', '-b', 'main');
    for (const [rel, text] of Object.entries(files)) {
      execFileSync('mkdir', ['-p', path.dirname(path.join(repo, rel))]);
      writeFileSync(path.join(repo, rel), text);
    }
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'seed');
    return repo;
  }

  it('finds a key and a trigger phrase taken by a committed file, the same with its index cached, and sees a new commit of that file', async () => {
    const repo = repoWith({
      'trainings/a.md': trainingFile('How do I get a refund?', 'Body', { key: 'shared' }),
      'trainings/b.md': trainingFile('Where is my parcel?', 'Body'),
    });
    writeFileSync(path.join(repo, 'trainings/new.md'), trainingFile('How do I get a refund?', 'Other body', { key: 'shared' }));
    writeFileSync(path.join(repo, 'trainings/dup.md'), trainingFile('Where is my parcel?', 'Other body'));
    git(repo, 'add', 'trainings/new.md', 'trainings/dup.md');
    const first = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(first.stdout).toContain('trainings/new.md:1:1: key "shared" is already used by trainings/a.md');
    expect(first.stdout).toMatch(/trainings\/dup\.md:2:\d+: .*trigger phrase .*trainings\/b\.md/);
    expect(first.stdout).not.toMatch(/^trainings\/(a|b)\.md/m);
    expect(first.code).toBe(1);
    // The other files' index entries are cached in the git folder, and the answer does not change.
    expect(existsSync(path.join(repo, '.git/opencx-sync/staged-index.json'))).toBe(true);
    expect((await runInProcess(['validate', '--staged'], { cwd: repo })).stdout).toBe(first.stdout);

    // b.md changes in a commit (a new blob): its cached entry no longer applies.
    writeFileSync(path.join(repo, 'trainings/b.md'), trainingFile('Can I change my address?', 'Body'));
    git(repo, 'commit', '-qm', 'b changed', '--', 'trainings/b.md');
    const after = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(after.stdout).toContain('trainings/new.md:1:1: key "shared"');
    expect(after.stdout).not.toContain('trainings/dup.md');
  });

  it.each([
    ['a training row cut short', (r: unknown[]) => r.splice(3)],
    ['a title that is a number', (r: unknown[]) => (r[3] = 5)],
    ['segments that are null', (r: unknown[]) => (r[8] = null)],
    ['a negative body length', (r: unknown[]) => (r[9] = -1)],
    ['a body length no string can have', (r: unknown[]) => (r[9] = 1e10)],
  ])('a cache row of the wrong shape (%s) is no internal error: the cache is read again from the index', async (_, damage) => {
    const repo = repoWith({ 'trainings/a.md': trainingFile('How do I get a refund?', 'Body', { key: 'shared' }), 'trainings/b.md': trainingFile('Other?', 'Body') });
    writeFileSync(path.join(repo, 'trainings/new.md'), trainingFile('Where is my parcel?', 'Body', { key: 'shared' }));
    git(repo, 'add', 'trainings/new.md');
    const first = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(first.stdout).toContain('key "shared" is already used by trainings/a.md');
    const file = path.join(repo, '.git/opencx-sync/staged-index.json');
    const cache = JSON.parse(readFileSync(file, 'utf8')) as { rows: unknown[][] };
    for (const row of cache.rows) if (row[1] === 0) damage(row);
    writeFileSync(file, JSON.stringify(cache));
    const r = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(first.stdout);
  });

  it('passes over a staged file with a line break in its name, as the scan does (it is no training), rather than checking it', async () => {
    const repo = repoWith({ 'trainings/a.md': trainingFile('First?', 'Body', { key: 'k' }) });
    writeFileSync(path.join(repo, 'trainings/line\nbreak.md'), '---\ntitle: T\nbad: 1\n---\nBody\n');
    writeFileSync(path.join(repo, 'trainings/new.md'), trainingFile('Second?', 'Body'));
    git(repo, 'add', '.');
    const r = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(r.stdout).toBe('1 file valid.\n');
    expect(r.code).toBe(0);
  });

  it('takes a segment name only Open.cx knows as plain validate does: a segment-lookup warning, off in the config for --strict', async () => {
    const repo = repoWith({ 'trainings/a.md': trainingFile('First', 'Body', { segments: ['VIP customers'] }) });
    writeFileSync(path.join(repo, 'trainings/new.md'), trainingFile('Second', 'Body', { segments: ['VIP customers'] }));
    git(repo, 'add', 'trainings/new.md');
    const r = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(r.stdout).toContain('trainings/new.md:3:12: warning: segment "VIP customers" is not in "segments" of the config file');
    expect(r.stdout).toContain('[segment-lookup]');
    expect(r.code).toBe(0);
    writeFileSync(path.join(repo, 'opencx-sync.config.json'), JSON.stringify({ rules: { 'segment-lookup': 'off' } }));
    const strict = await runInProcess(['validate', '--staged', '--strict'], { cwd: repo });
    expect(strict.stdout).toBe('1 file valid.\n');
    expect(strict.code).toBe(0);
  });

  it('ignores an edit that is not staged: the commit holds the staged text of every file', async () => {
    const repo = repoWith({ 'trainings/a.md': trainingFile('First', 'Body', { key: 'k' }) });
    writeFileSync(path.join(repo, 'trainings/new.md'), trainingFile('Second', 'Body', { key: 'k2' }));
    git(repo, 'add', 'trainings/new.md');
    // In the working tree only: a.md takes the staged file's key, but that edit is not in the commit.
    writeFileSync(path.join(repo, 'trainings/a.md'), trainingFile('First', 'Body', { key: 'k2' }));
    const r = await runInProcess(['validate', '--staged'], { cwd: repo });
    expect(r.stdout).toBe('1 file valid.\n');
    expect(r.code).toBe(0);
  });
});
