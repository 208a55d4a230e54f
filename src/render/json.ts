// The JSON output contract: what every command prints on stdout under --json, one document per run.
// Each document is an object with `format_version` (its own shape's version) and `command` (which
// command printed it). A run that stops prints the error document instead, and nothing else on stdout.
// One zod schema per document (json-schemas.ts, which a run never loads: only its types are used here)
// gives its type and its JSON Schema (scripts/schema.ts -> schema/); docs/json-output.md describes them.
// A new command adds: a schema in json-schemas.ts, a builder here, a schema file in scripts/schema.ts,
// and its name in test/json-output.ts. The plan's own document is in src/core/plan-contract.ts
// (docs/plan-format.md).
import type { z } from 'zod';
import type { Issue } from '../core/issue.js';
import type { AudienceView } from '../core/audience.js';
import { EVERYONE } from '../core/audience.js';
import { namesById } from '../core/names.js';
import type { NameMaps } from '../core/parse.js';
import { countOutcomes, type Outcome } from '../core/outcome.js';
import { displayPath } from '../core/plan-contract.js';
import type {
  applyDocumentSchema,
  audienceDocumentSchema,
  doctorDocumentSchema,
  errorDocumentSchema,
  importDocumentSchema,
  rebuildDocumentSchema,
  validateDocumentSchema,
} from './json-schemas.js';

/**
 * Rule for every document: `format_version` goes up by one when a reader of the previous version could
 * misread the document (a field removed, renamed, or given another type or meaning). A new field, or a
 * new value of an error's `kind`, does not change it: readers ignore fields they do not know.
 */
export const VALIDATE_VERSION = 1;

export function validateDocument(issues: Issue[], files: number): z.output<typeof validateDocumentSchema> {
  return { format_version: VALIDATE_VERSION, command: 'validate', valid: !issues.some((i) => i.severity === 'error'), files, issues };
}

export const APPLY_VERSION = 1;

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

export function rebuildDocument(r: { stateFile: string; lineage: string; serial: number; tracked: number; duplicates: { key: string; ids: string[] }[] }): z.output<typeof rebuildDocumentSchema> {
  return { format_version: REBUILD_VERSION, command: 'state rebuild', state_file: r.stateFile, lineage: r.lineage, serial: r.serial, tracked: r.tracked, duplicates: r.duplicates };
}

export const IMPORT_VERSION = 1;

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
export type DoctorDocument = z.output<typeof doctorDocumentSchema>;

export const AUDIENCE_VERSION = 1;

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
