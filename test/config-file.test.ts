// The config file: a BOM is accepted, and a path that is not a readable file is a user error naming it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { readConfigFile } from '../src/io/config-file.js';
import { workspace } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('config file', () => {
  it('accepts a UTF-8 BOM', async () => {
    const ws = workspace({ 'opencx-sync.config.json': '\uFEFF{"dir": "docs"}\n' });
    cleanups.push(() => ws.cleanup());
    const file = await readConfigFile(ws.dir);
    expect(resolveConfig({ cwd: ws.dir, env: {}, flags: {}, ...(file ? { file } : {}) }).dir).toBe('docs');
  });

  it.each([
    ['--config naming a folder', 'trainings', /config file trainings is a folder: point --config at a file/],
    ['--config under a file', 'opencx-sync.config.json/x.json', /could not read the config file opencx-sync.config.json\/x.json \(ENOTDIR\)/],
  ])('%s is a user error naming the file', async (_name, arg, message) => {
    const ws = workspace({ 'opencx-sync.config.json': '{}' });
    cleanups.push(() => ws.cleanup());
    const err = await readConfigFile(ws.dir, arg).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    expect(path.isAbsolute(arg)).toBe(false);
  });
});
