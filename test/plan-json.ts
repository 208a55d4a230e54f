// Every plan JSON the suite reads goes through here: parsed, and checked against schema/plan.schema.json,
// so a plan that leaves its documented shape fails the test that produced it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { PublicPlan } from '../src/core/plan-contract.js';
import { ROOT } from './helpers.js';

const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(ROOT, 'schema/plan.schema.json'), 'utf8')));

/** Throws naming every schema error; `extra`: keys a saved plan adds beside the plan (`saved`). */
export function checkPlan(json: unknown, extra: string[] = []): PublicPlan {
  const plan = { ...(json as Record<string, unknown>) };
  for (const k of extra) delete plan[k];
  if (!validate(plan)) throw new Error(`plan JSON does not match schema/plan.schema.json:\n${JSON.stringify(validate.errors, null, 2)}`);
  return plan as PublicPlan;
}

export const parsePlan = (text: string, extra: string[] = []): PublicPlan => checkPlan(JSON.parse(text), extra);
