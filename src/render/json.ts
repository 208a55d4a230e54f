// The JSON output contract: what every command prints on stdout under --json, one document per run.
// Each document is an object with `format_version` (its own shape's version) and `command` (which
// command printed it). A run that stops prints the error document instead, and nothing else on stdout.
// One zod schema per document gives its type and its JSON Schema (scripts/schema.ts -> schema/);
// docs/json-output.md describes them. A new command adds: a schema here, a builder, a schema file
// in scripts/schema.ts, and its name in test/json-output.ts. The plan's own document is in
// src/core/plan-contract.ts (docs/plan-format.md).
import { z } from 'zod';
import type { Issue } from '../core/issue.js';
import type { AudienceView } from '../core/audience.js';
import { EVERYONE } from '../core/audience.js';
import { namesById } from '../core/names.js';
import type { NameMaps } from '../core/parse.js';
import { countOutcomes, type Outcome } from '../core/outcome.js';
import { displayPath } from '../core/plan-contract.js';

/**
 * Rule for every document: `format_version` goes up by one when a reader of the previous version could
 * misread the document (a field removed, renamed, or given another type or meaning). A new field, or a
 * new value of an error's `kind`, does not change it: readers ignore fields they do not know.
 */
const count = z.number().int().nonnegative();

const issueSchema = z.strictObject({
  file: z.string(),
  line: z.number().int(),
  col: z.number().int(),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
  rule: z.string().optional(),
});

export const VALIDATE_VERSION = 1;
export const validateDocumentSchema = z.strictObject({
  format_version: z.literal(VALIDATE_VERSION),
  command: z.literal('validate'),
  valid: z.boolean(),
  files: count,
  issues: z.array(issueSchema),
});

export function validateDocument(issues: Issue[], files: number): z.output<typeof validateDocumentSchema> {
  return { format_version: VALIDATE_VERSION, command: 'validate', valid: !issues.some((i) => i.severity === 'error'), files, issues };
}

export const APPLY_VERSION = 1;
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

export function applyDocument(outcomes: Outcome[], unchanged: number, dir: string): z.output<typeof applyDocumentSchema> {
  return {
    format_version: APPLY_VERSION,
    command: 'apply',
    outcomes: outcomes.map((o) => ({
      status: o.status,
      action: o.change.action,
      key: o.change.key,
      path: displayPath(dir, o.change.path),
      ...('id' in o ? { id: o.id } : {}),
      ...(o.status === 'failed' ? { message: o.message } : {}),
      ...(o.status === 'skipped' ? { reason: o.reason } : {}),
      ...('note' in o && o.note ? { note: o.note } : {}),
    })),
    summary: { ...countOutcomes(outcomes), unchanged },
  };
}

export const REBUILD_VERSION = 1;
export const rebuildDocumentSchema = z.strictObject({
  format_version: z.literal(REBUILD_VERSION),
  command: z.literal('state rebuild'),
  state_file: z.string(),
  lineage: z.string(),
  serial: count,
  tracked: count,
  duplicates: z.array(z.strictObject({ key: z.string(), ids: z.array(z.string()) })),
});

export function rebuildDocument(r: { stateFile: string; lineage: string; serial: number; tracked: number; duplicates: { key: string; ids: string[] }[] }): z.output<typeof rebuildDocumentSchema> {
  return { format_version: REBUILD_VERSION, command: 'state rebuild', state_file: r.stateFile, lineage: r.lineage, serial: r.serial, tracked: r.tracked, duplicates: r.duplicates };
}

export const IMPORT_VERSION = 1;
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

export function importDocument(
  r: { total: number; files: { path: string; id: string; title: string; overwrite: boolean; pendingEdits: boolean; notes: string[] }[]; left: { id: string; title: string; why: string }[] },
  o: { dryRun: boolean; shown: (path: string) => string },
): z.output<typeof importDocumentSchema> {
  const files = r.files.map((f) => ({ path: o.shown(f.path), id: f.id, title: f.title, overwrite: f.overwrite, pending_edits: f.pendingEdits, notes: f.notes }));
  const pending = r.files.filter((f) => f.pendingEdits).length;
  return {
    format_version: IMPORT_VERSION,
    command: 'import',
    dry_run: o.dryRun,
    files,
    left: r.left,
    summary: { trainings: r.total, written: o.dryRun ? 0 : files.length, to_write: files.length, left: r.left.length, pending_edits: pending },
  };
}

export const DOCTOR_VERSION = 1;
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
export type DoctorDocument = z.output<typeof doctorDocumentSchema>;

const audienceItem = { key: z.string(), path: z.string(), title: z.string(), channels: z.array(z.string()), segments: z.array(z.string()) };

export const AUDIENCE_VERSION = 1;
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

/** `shown`: a training's path as people see it. */
export function audienceDocument(v: AudienceView, shown: (p: string) => string, names?: NameMaps): z.output<typeof audienceDocumentSchema> {
  const dirs = namesById(names?.directories);
  const path = <T extends { path: string }>(t: T) => ({ ...t, path: shown(t.path) });
  return {
    format_version: AUDIENCE_VERSION,
    command: 'audience',
    channel: v.channel,
    segment: v.segment,
    behavioral: {
      budget: v.budget,
      size: v.behavioralSize,
      fullest: v.worst && { ...v.worst, segment: v.worst.segment === EVERYONE ? null : v.worst.segment },
      trainings: v.behavioral.map(path),
    },
    scenarios: v.scenarios.map((d) => ({ directory: d.directory, name: d.directory === null ? null : (dirs.get(d.directory) ?? null), trainings: d.trainings.map(path) })),
    drafts: v.drafts,
  };
}

/** Why a command stopped. New kinds may be added: a reader that does not know one uses message and exit_code. */
export const ERROR_KINDS = ['usage', 'invalid_files', 'user', 'api', 'cancelled', 'interrupted', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** 2: `error` became an object (it was the message alone in version 1). */
export const ERROR_VERSION = 2;
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

export interface Failure {
  kind: ErrorKind;
  /** Already redacted and free of control characters. */
  message: string;
  exitCode: number;
  issues?: Issue[];
}

/** `command`: as typed ("state rebuild"), or null when none was recognised. */
export function errorDocument(command: string | null, f: Failure): z.output<typeof errorDocumentSchema> {
  return {
    format_version: ERROR_VERSION,
    command,
    error: { kind: f.kind, message: f.message, exit_code: f.exitCode, ...(f.issues ? { issues: f.issues } : {}) },
  };
}

/** How every document is printed: two-space indented, one trailing newline (added by the writer). */
export const jsonText = (doc: object): string => JSON.stringify(doc, null, 2);
