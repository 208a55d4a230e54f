// Finds and reads the optional config file; resolving it is config.ts's job.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE } from '../config.js';
import { UserError } from '../errors.js';
import { fileError } from './file-error.js';

/**
 * `--config` is read relative to `cwd`. Otherwise the file is searched from `cwd` upward, stopping at
 * the repository root (a folder holding .git), so the tool works from any subfolder. `root` is the
 * folder the config's paths (and the run) are relative to: the folder the file was found in.
 */
export async function readConfigFile(cwd: string, explicit?: string): Promise<{ path: string; text: string; root: string } | undefined> {
  // An editor may add a byte order mark; JSON.parse would refuse it.
  const read = async (file: string) => (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  if (explicit) {
    try {
      return { path: explicit, text: await read(path.resolve(cwd, explicit)), root: cwd };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError('read', 'config file', explicit, err, '--config');
      throw new UserError(`config file ${explicit} not found`);
    }
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, CONFIG_FILE);
    try {
      return { path: path.relative(cwd, file) || CONFIG_FILE, text: await read(file), root: dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError('read', 'config file', path.relative(cwd, file) || CONFIG_FILE, err, '--config');
    }
    if (existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return undefined;
  }
}
