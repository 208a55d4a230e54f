// The public plan: what `plan --json` prints, `plan --out` saves, and the text and Markdown views render.
// One zod schema (plan-schema.ts, kept out of a run's way) gives the type, the JSON Schema
// (scripts/schema.ts) and docs/plan-format.md its shape.
// Pure: made from the internal Plan by toPublicPlan and nothing else.
import type { z } from 'zod';
import { EVERYONE, affectedAudiences } from './audience.js';
import type { Verdict } from './guards.js';
import type { Change, Drift, FieldChange, Plan } from './plan.js';
import { sha256Hex } from './hash.js';
import type { FieldName } from './training.js';
import type { contentSchema, fieldsSchema, fieldValue, publicPlanSchema, windowSchema } from './plan-schema.js';

/**
 * Bumped when a reader of the previous version could misread a plan: a field removed, renamed or given
 * another meaning or type, or a new action or reason value. Adding an optional field does not bump it.
 */
export const PUBLIC_PLAN_VERSION = 3;

export const ACTIONS = ['create', 'adopt', 'update', 'retag', 'move', 'delete'] as const;
export const REASONS = [
  'new file',
  'interrupted create',
  'recreated after deletion',
  'same key in Open.cx',
  'same trigger phrase in Open.cx',
  'pinned id',
  'file changed',
  'dashboard edit overwritten',
  'tag removed',
  'renamed',
  'file moved',
  'file removed',
] as const;

export type PublicPlan = z.output<typeof publicPlanSchema>;
export type PublicChange = PublicPlan['changes'][number];
export type PublicFields = z.output<typeof fieldsSchema>;
export type PublicContent = z.output<typeof contentSchema>;
export type PublicAction = PublicChange['action'];

/** Path as people see it: the trainings folder joined with the path inside it. */
export const displayPath = (dir: string, p: string) => pathsIn(dir)(p);

/** displayPath for one folder, its prefix worked out once (not a regex per change of a large plan). */
function pathsIn(dir: string): (p: string) => string {
  if (dir === '.' || dir === '') return (p) => p;
  const prefix = `${dir.replace(/\/+$/, '')}/`;
  return (p) => prefix + p;
}

/** Lines of a body, counted without splitting it (a create of 100,000 files would make 100,000 arrays). */
function lineCount(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function contentOf(text: string, withText: boolean): PublicContent {
  return {
    sha256: sha256Hex(text),
    characters: text.length,
    lines: lineCount(text),
    text: withText ? text : null,
  };
}

type FieldMap = Partial<Record<FieldName, unknown>>;

function windowOf(v: unknown): z.output<typeof windowSchema> | null {
  if (!v || typeof v !== 'object') return null;
  const w = v as { from?: unknown; until?: unknown };
  return { from: typeof w.from === 'string' ? w.from : null, until: typeof w.until === 'string' ? w.until : null };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A list of strings as it is (never changed once made): a copy per field and change only when it holds other values. */
function list(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  for (const x of v) if (typeof x !== 'string') return v.map(String);
  return v as string[];
}

function publicFields(values: FieldMap, withText: boolean): PublicFields {
  return {
    title: str(values.title),
    content: typeof values.content === 'string' ? contentOf(values.content, withText) : null,
    type: str(values.type),
    draft: typeof values.draft === 'boolean' ? values.draft : null,
    directory: str(values.directory),
    channels: list(values.channels),
    segments: list(values.segments),
    active: windowOf(values.active),
  };
}

function overlay(base: FieldMap, changes: FieldChange[], side: 'before' | 'after'): FieldMap {
  const values: FieldMap = { ...base };
  for (const c of changes) values[c.field] = c[side];
  return values;
}

function actionAndReason(ch: Change): { action: PublicAction; reason: PublicChange['reason'] } {
  switch (ch.action) {
    case 'create':
      if (ch.adopt) {
        if (ch.drift) return { action: 'adopt', reason: 'recreated after deletion' };
        return { action: 'adopt', reason: ch.match === 'pin' ? 'pinned id' : ch.match === 'trigger' ? 'same trigger phrase in Open.cx' : 'same key in Open.cx' };
      }
      if (ch.drift) return { action: 'create', reason: 'recreated after deletion' };
      return { action: 'create', reason: ch.lookup ? 'interrupted create' : 'new file' };
    case 'update':
      if (ch.drift === 'untagged') return { action: 'retag', reason: 'tag removed' };
      return { action: 'update', reason: ch.drift ? 'dashboard edit overwritten' : 'file changed' };
    case 'move':
      return { action: 'move', reason: ch.from === ch.key ? 'file moved' : 'renamed' };
    case 'delete':
      return { action: 'delete', reason: 'file removed' };
  }
}

function publicChange(ch: Change, shown: (p: string) => string): PublicChange {
  const { action, reason } = actionAndReason(ch);
  // A body's text is carried only when it changed on a training that exists: both sides make the diff.
  const diffed = ch.action !== 'delete' && !(ch.action === 'create' && !ch.adopt) && ch.changes.some((c) => c.field === 'content');
  const after = ch.action === 'delete' ? null : publicFields(ch.fields, diffed);
  let before: PublicFields | null;
  if (ch.action === 'delete') before = ch.changes.length ? publicFields(overlay({}, ch.changes, 'before'), false) : null;
  else if (ch.action === 'create' && !ch.adopt) before = null;
  else before = publicFields(overlay(ch.fields, ch.changes, 'before'), diffed);
  return {
    action,
    reason,
    key: ch.key,
    path: shown(ch.path),
    id: ch.action === 'create' ? ch.adopt : ch.id,
    from: ch.action === 'move' ? { key: ch.from, path: shown(ch.fromPath) } : null,
    before,
    after,
    changed: ch.changes.map((c) => c.field),
  };
}

const value = (v: unknown): z.output<typeof fieldValue> =>
  typeof v === 'string' || typeof v === 'boolean' || v === null ? v : Array.isArray(v) ? v.map(String) : windowOf(v);

function publicDrift(d: Drift): NonNullable<PublicPlan['drift']>[number] {
  return { key: d.key, kind: d.kind, id: d.id, changes: d.changes.map((c) => ({ field: c.field, before: value(c.before), after: value(c.after) })) };
}

/** The public plan of an internal one. `verdict`: what apply would refuse or skip (none when absent). */
export function toPublicPlan(plan: Plan, opts: { dir: string; verdict?: Verdict }): PublicPlan {
  const shown = pathsIn(opts.dir);
  const changes = plan.changes.map((c) => publicChange(c, shown));
  const summary = { create: 0, adopt: 0, update: 0, retag: 0, move: 0, delete: 0, unchanged: plan.summary.unchanged };
  for (const c of changes) summary[c.action]++;
  return {
    format_version: PUBLIC_PLAN_VERSION,
    command: 'plan',
    lineage: plan.lineage,
    serial: plan.serial,
    fingerprint: plan.fingerprint,
    refreshed: plan.drift !== null,
    changes,
    drift: plan.drift && plan.drift.map(publicDrift),
    orphans: plan.orphans.map((o) => ({ key: o.key, path: shown(o.path), id: o.id })),
    summary,
    affected_audiences: affectedAudiences(plan).map((r) => ({
      dimension: r.dimension,
      value: r.dimension === 'segment' && r.value === EVERYONE ? null : r.value,
      created: r.created,
      changed: r.changed,
      removed: r.removed,
      behavioral_delta: r.behavioralDelta,
    })),
    refusals: opts.verdict?.refusals ?? [],
    skips: opts.verdict?.skips ?? [],
  };
}
