// Reads and writes saved plan files (`plan --out`, `apply <file>`).
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseMadeFrom, type MadeFrom } from '../core/saved-plan.js';
import { redact, UserError } from '../errors.js';
import { fileError } from './file-error.js';

/** Saved plans are small; a huge file is not one of ours. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

/** Of the plan as the file shows it to a reviewer; JSON text keeps key order, so a reformatted file hashes the same. */
function planSha256(shown: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(shown)).digest('hex');
}

/**
 * `secret` is hidden in the plan shown to reviewers (its changes quote what Open.cx holds), before it is
 * sealed: the file is shared and may be committed. What apply checks (`saved`) holds hashes and ids only.
 */
export async function writePlanFile(file: string, json: { saved: MadeFrom } & Record<string, unknown>, secret?: string): Promise<void> {
  const { saved, ...plain } = json;
  const shown = secret ? (JSON.parse(JSON.stringify(plain, (_k, v: unknown) => (typeof v === 'string' ? redact(v, secret) : v))) as Record<string, unknown>) : plain;
  const sealed = { ...shown, saved: { ...saved, plan_sha256: planSha256(shown) } };
  await writeFile(file, JSON.stringify(sealed, null, 2) + '\n').catch((err: unknown) => {
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
  // What reviewers read must be what gets applied: the shown plan must be the one the writer sealed.
  const { saved: _saved, ...shown } = json as Record<string, unknown>;
  if (r.from.plan_sha256 !== planSha256(shown)) {
    throw new UserError(`plan file ${file} was edited since "plan --out" wrote it: its changes are no longer the plan that was made; make the plan again with "opencx-sync plan --out ${file}"`);
  }
  return r.from;
}
