// Finds and reads the optional config file; resolving it is config.ts's job.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE } from '../config.js';
import { UserError } from '../errors.js';
import { fileError } from './file-error.js';

export async function readConfigFile(cwd: string, explicit?: string): Promise<{ path: string; text: string } | undefined> {
  const file = path.resolve(cwd, explicit ?? CONFIG_FILE);
  try {
    // An editor may add a byte order mark; JSON.parse would refuse it.
    return { path: explicit ?? CONFIG_FILE, text: (await readFile(file, 'utf8')).replace(/^\uFEFF/, '') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError('read', 'config file', explicit ?? CONFIG_FILE, err, '--config');
    if (explicit) throw new UserError(`config file ${explicit} not found`);
    return undefined;
  }
}
