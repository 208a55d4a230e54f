// Every plan JSON the suite reads goes through here: parsed, and checked against schema/plan.schema.json
// (by test/json-output.ts, which checks every --json document), so a plan that leaves its documented
// shape fails the test that produced it.
import type { PublicPlan } from '../src/core/plan-contract.js';
import { checkDocument } from './json-output.js';

/** Throws naming every schema error; `extra`: keys a saved plan adds beside the plan (`saved`). */
export function checkPlan(json: unknown, extra: string[] = []): PublicPlan {
  const doc = checkDocument(json, extra);
  if (doc.command !== 'plan' || 'error' in doc) throw new Error(`not a plan: ${JSON.stringify(doc).slice(0, 500)}`);
  return doc as PublicPlan;
}

export const parsePlan = (text: string, extra: string[] = []): PublicPlan => checkPlan(JSON.parse(text), extra);
