// Reads and writes saved plan files (`plan --out`, `apply <file>`).
import { readFile, writeFile } from 'node:fs/promises';
import { parseMadeFrom, type MadeFrom } from '../core/saved-plan.js';
import { UserError } from '../errors.js';
import { fileError } from './file-error.js';

/** Saved plans are small; a huge file is not one of ours. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

export async function writePlanFile(file: string, json: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(json, null, 2) + '\n').catch((err: unknown) => {
    throw fileError('write', 'plan file', file, err, '--out');
  });
}

export async function readPlanFile(file: string): Promise<MadeFrom> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw fileError('read', 'plan file', file, err);
  });
  if (text.length > MAX_PLAN_BYTES) throw new UserError(`plan file ${file} is too large to be a saved plan: make one with "opencx-sync plan --out <file>"`);
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UserError(`plan file ${file} is not valid JSON (${(err as Error).message}): make the plan again with "opencx-sync plan --out ${file}"`);
  }
  const r = parseMadeFrom(json);
  if ('error' in r) throw new UserError(`plan file ${file} ${r.error}`);
  return r.from;
}
