// Finds and reads the optional config file; resolving it is config.ts's job.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE } from '../config.js';
import { UserError } from '../errors.js';

export async function readConfigFile(cwd: string, explicit?: string): Promise<{ path: string; text: string } | undefined> {
  const file = path.resolve(cwd, explicit ?? CONFIG_FILE);
  try {
    return { path: explicit ?? CONFIG_FILE, text: await readFile(file, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (explicit) throw new UserError(`config file ${explicit} not found`);
    return undefined;
  }
}
