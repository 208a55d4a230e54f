// The zod schemas of the --json documents whose builders are in json.ts: their types, and their JSON
// Schemas (scripts/schema.ts -> schema/). Only types are imported at run time: building these schemas
// cost every run ~25 ms.
import { z } from 'zod';
import { APPLY_VERSION, AUDIENCE_VERSION, DOCTOR_VERSION, ERROR_KINDS, ERROR_VERSION, IMPORT_VERSION, REBUILD_VERSION, VALIDATE_VERSION } from './json.js';

const count = z.number().int().nonnegative();

const issueSchema = z.strictObject({
  file: z.string(),
  line: z.number().int(),
  col: z.number().int(),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
  rule: z.string().optional(),
});

export const validateDocumentSchema = z.strictObject({
  format_version: z.literal(VALIDATE_VERSION),
  command: z.literal('validate'),
  valid: z.boolean(),
  files: count,
  issues: z.array(issueSchema),
});

export const applyDocumentSchema = z.strictObject({
  format_version: z.literal(APPLY_VERSION),
  command: z.literal('apply'),
  outcomes: z.array(
    z.strictObject({
      status: z.enum(['created', 'adopted', 'updated', 'moved', 'deleted', 'skipped', 'failed']),
      action: z.enum(['create', 'update', 'move', 'delete']),
      key: z.string(),
      path: z.string(),
      id: z.string().optional(),
      message: z.string().optional(),
      reason: z.string().optional(),
      note: z.string().optional(),
    }),
  ),
  summary: z.strictObject({ created: count, adopted: count, updated: count, moved: count, deleted: count, failed: count, skipped: count, unchanged: count }),
});

export const rebuildDocumentSchema = z.strictObject({
  format_version: z.literal(REBUILD_VERSION),
  command: z.literal('state rebuild'),
  state_file: z.string(),
  lineage: z.string(),
  serial: count,
  tracked: count,
  duplicates: z.array(z.strictObject({ key: z.string(), ids: z.array(z.string()) })),
});

/** `opencx-sync import --json`: the files written (or, with --dry-run, to write) and the trainings left alone. */
export const importDocumentSchema = z.strictObject({
  format_version: z.literal(IMPORT_VERSION),
  command: z.literal('import'),
  dry_run: z.boolean(),
  files: z.array(
    z.strictObject({ path: z.string(), id: z.string(), title: z.string(), overwrite: z.boolean(), pending_edits: z.boolean(), notes: z.array(z.string()) }),
  ),
  left: z.array(z.strictObject({ id: z.string(), title: z.string(), why: z.string() })),
  summary: z.strictObject({ trainings: count, written: count, to_write: count, left: count, pending_edits: count }),
});

const verdictSchema = z.enum(['holds', 'differs', 'breaks', 'unknown']);

/** `opencx-sync doctor --json` and its report file: the shape of core/doctor.ts's DoctorReport. */
export const doctorDocumentSchema = z.strictObject({
  format_version: z.literal(DOCTOR_VERSION),
  command: z.literal('doctor'),
  tool_version: z.string(),
  api_url: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  result: z.enum(['holds', 'differs', 'breaks', 'error', 'interrupted']),
  checks: z.array(z.strictObject({ id: z.string(), assumption: z.string(), observed: z.string(), tool: z.string(), verdict: verdictSchema })),
  probe: z.strictObject({ id: z.string().nullable(), removed: z.boolean(), leftovers_removed: z.array(z.string()) }),
  requests: z.array(z.strictObject({ method: z.string(), path: z.string(), status: z.number().int().nullable() })),
  stopped_because: z.string().optional(),
});

const audienceItem = { key: z.string(), path: z.string(), title: z.string(), channels: z.array(z.string()), segments: z.array(z.string()) };

export const audienceDocumentSchema = z.strictObject({
  format_version: z.literal(AUDIENCE_VERSION),
  command: z.literal('audience'),
  channel: z.string().nullable(),
  segment: z.string().nullable(),
  behavioral: z.strictObject({
    budget: count,
    size: count,
    fullest: z.strictObject({ channel: z.string(), segment: z.string().nullable(), size: count }).nullable(),
    trainings: z.array(z.strictObject({ ...audienceItem, size: count })),
  }),
  scenarios: z.array(z.strictObject({ directory: z.string().nullable(), name: z.string().nullable(), trainings: z.array(z.strictObject(audienceItem)) })),
  drafts: count,
});

export const errorDocumentSchema = z.strictObject({
  format_version: z.literal(ERROR_VERSION),
  command: z.string().nullable(),
  error: z.strictObject({
    kind: z.enum(ERROR_KINDS),
    message: z.string(),
    exit_code: z.number().int().positive(),
    issues: z.array(issueSchema).optional(),
  }),
});
