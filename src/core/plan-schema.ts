// The zod schema of the public plan (plan-contract.ts): its types and its JSON Schema (scripts/schema.ts,
// schema/plan.schema.json). Only types are imported at run time: building the schema would cost every run.
import { z } from 'zod';
import { ACTIONS, PUBLIC_PLAN_VERSION, REASONS } from './plan-contract.js';
import { FIELD_NAMES } from './training.js';

const fieldName = z.enum(FIELD_NAMES);
/** An active window: each end an ISO date-time in UTC, or null for no bound. */
export const windowSchema = z.strictObject({ from: z.string().nullable(), until: z.string().nullable() });
export const fieldValue = z.union([z.string(), z.boolean(), z.array(z.string()), windowSchema, z.null()]);

/** A body is named by its hash and size; its text only where a reviewer needs it for a diff. */
export const contentSchema = z.strictObject({
  sha256: z.string(),
  characters: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  text: z.string().nullable(),
});

export const fieldsSchema = z.strictObject({
  title: z.string().nullable(),
  content: contentSchema.nullable(),
  type: z.string().nullable(),
  draft: z.boolean().nullable(),
  directory: z.string().nullable(),
  channels: z.array(z.string()).nullable(),
  segments: z.array(z.string()).nullable(),
  /** Null: the file does not set `active:`, so the window stays as Open.cx holds it. */
  active: windowSchema.nullable(),
});

const changeSchema = z.strictObject({
  action: z.enum(ACTIONS),
  reason: z.enum(REASONS),
  key: z.string(),
  path: z.string(),
  id: z.string().nullable(),
  from: z.strictObject({ key: z.string(), path: z.string() }).nullable(),
  before: fieldsSchema.nullable(),
  after: fieldsSchema.nullable(),
  changed: z.array(fieldName),
});

const driftSchema = z.strictObject({
  key: z.string(),
  kind: z.enum(['changed', 'deleted', 'untagged', 'twin', 'untracked']),
  id: z.string(),
  changes: z.array(z.strictObject({ field: fieldName, before: fieldValue, after: fieldValue })),
});

const count = z.number().int().nonnegative();

export const publicPlanSchema = z.strictObject({
  format_version: z.literal(PUBLIC_PLAN_VERSION),
  /** As in every JSON document the CLI prints (docs/json-output.md). */
  command: z.literal('plan'),
  lineage: z.string().nullable(),
  serial: count,
  fingerprint: z.string(),
  refreshed: z.boolean(),
  changes: z.array(changeSchema),
  drift: z.array(driftSchema).nullable(),
  orphans: z.array(z.strictObject({ key: z.string(), path: z.string(), id: z.string().nullable() })),
  summary: z.strictObject({ create: count, adopt: count, update: count, retag: count, move: count, delete: count, unchanged: count }),
  affected_audiences: z.array(
    z.strictObject({
      dimension: z.enum(['channel', 'segment']),
      value: z.string().nullable(),
      created: count,
      changed: count,
      removed: count,
      behavioral_delta: z.number().int(),
    }),
  ),
  refusals: z.array(z.string()),
  skips: z.array(z.string()),
});
