// What people read in a terminal: the plan and apply results, as text (issues: issues.ts; JSON: json.ts).
// Pure string building: the caller decides where it goes and whether colours are on.
import { diffLines } from 'diff';
import type pc from 'picocolors';
import { countOutcomes, type Outcome } from '../core/outcome.js';
import { namesById } from '../core/names.js';
import type { NameMaps } from '../core/parse.js';
import type { Plan } from '../core/plan.js';
import { displayPath, toPublicPlan, type PublicChange, type PublicContent, type PublicPlan } from '../core/plan-contract.js';
import type { Verdict } from '../core/guards.js';
import type { FieldName } from '../core/training.js';
import { plural } from '../core/plural.js';
import { showControl, stripControl } from '../errors.js';
import { EVERYONE, type AffectedAudience } from '../core/audience.js';
import { renderAffectedAudiences } from './audience.js';

export type Colors = ReturnType<typeof pc.createColors>;

export { displayPath };

const SYMBOL = { create: '+', adopt: '+', update: '~', retag: '~', move: '>', delete: '-' } as const;

export function planSummaryLine(s: PublicPlan['summary']): string {
  const extra = (n: number, what: string) => (n ? `, ${n} to ${what}` : '');
  return `Plan: ${s.create} to create${extra(s.adopt, 'adopt')}, ${s.update} to update${extra(s.retag, 'retag')}, ${s.move} to move, ${s.delete} to delete.`;
}

export interface PlanTextOptions {
  c: Colors;
  verbose: boolean;
  names?: NameMaps;
}

/** The plan as text, from the internal plan: a shorthand for renderPublicPlan(toPublicPlan(...)). */
export function renderPlan(plan: Plan, opts: PlanTextOptions & { dir: string; verdict?: Verdict }): string {
  return renderPublicPlan(toPublicPlan(plan, { dir: opts.dir, verdict: opts.verdict }), opts);
}

/** The plan as text: everything it shows comes from the public plan, as `plan --json` prints it. */
export function renderPublicPlan(plan: PublicPlan, opts: PlanTextOptions): string {
  const { c } = opts;
  const out: string[] = [];
  if (plan.drift?.length) {
    out.push(c.yellow('Drift: Open.cx differs from the last apply'));
    out.push(...plan.drift.map((d) => renderDrift(d, c)), '');
  }
  if (plan.changes.length === 0) {
    // Offline, only the state file was compared: Open.cx itself was not read.
    out.push(
      !plan.refreshed
        ? `No changes. The files match the state file (${plan.summary.unchanged} unchanged); "plan --refresh" also checks Open.cx.`
        : `No changes. Open.cx matches the files (${plan.summary.unchanged} unchanged).`,
    );
  } else {
    const paint = { create: c.green, adopt: c.green, update: c.yellow, retag: c.yellow, move: c.cyan, delete: c.red } as const;
    for (const ch of plan.changes) {
      const head = `${paint[ch.action](`${SYMBOL[ch.action]} ${ch.action.padEnd(6)}`)} ${c.bold(ch.key)}`;
      out.push(`  ${head}  ${c.dim(`(${describeTarget(ch)})`)}`);
      renderFieldChanges(ch, opts, out, '      ');
    }
    out.push(...renderAffectedAudiences(internalAudiences(plan), { c, names: opts.names }));
    out.push('', planSummaryLine(plan.summary) + c.dim(` ${plan.summary.unchanged} unchanged.`));
  }
  // Offline, trainings made in the dashboard are unknown: a create there may well be an adoption.
  if (!plan.refreshed && plan.summary.create > 0) {
    out.push(c.dim('An offline plan cannot see trainings already in Open.cx: apply adopts a training with the same trigger phrase (or a pinned "id:") instead of creating it; "plan --refresh" shows which.'));
  }
  if (plan.orphans.length) {
    out.push(
      c.yellow(`${plural(plan.orphans.length, 'training')} whose file is gone ${plan.orphans.length === 1 ? 'is' : 'are'} kept; pass --prune to delete them: `) +
        plan.orphans.map((o) => o.key).join(', '),
    );
  }
  // The same words apply stops with, so the plan shows what apply will really do.
  if (plan.refusals.length) out.push(c.red(`\nApply would refuse:\n${plan.refusals.map((r) => `  ${r}`).join('\n')}`));
  if (plan.skips.length) out.push(c.yellow(`\nApply would skip (--on-drift skip):\n${plan.skips.map((r) => `  ${r}`).join('\n')}`));
  return out.join('\n');
}

/** The public rows back in the shape the audience renderers share with `opencx-sync audience`. */
export function internalAudiences(plan: PublicPlan): AffectedAudience[] {
  return plan.affected_audiences.map((r) => ({
    dimension: r.dimension, value: r.value ?? EVERYONE, created: r.created, changed: r.changed, removed: r.removed, behavioralDelta: r.behavioral_delta,
  }));
}

function describeTarget(ch: PublicChange): string {
  const where = ch.path;
  switch (ch.reason) {
    case 'interrupted create':
      return `${where}, begun by an interrupted run: looked up first`;
    case 'recreated after deletion':
      return ch.action === 'adopt' ? `${where}, deleted in Open.cx: adopts ${ch.id}, which carries the same key` : `${where}, deleted in Open.cx: recreate`;
    case 'same key in Open.cx':
      return `${where}, adopts existing ${ch.id}`;
    case 'same trigger phrase in Open.cx':
      return `${where}, adopts ${ch.id}: same trigger phrase and type, made outside opencx-sync`;
    case 'pinned id':
      return `${where}, adopts ${ch.id}: pinned by "id:"`;
    case 'dashboard edit overwritten':
      return `${where}, edited in Open.cx: overwrite`;
    case 'tag removed':
      return `${where}, tag removed in Open.cx: tag again and overwrite`;
    case 'file moved':
      return `${ch.from?.path} -> ${where}`;
    case 'renamed':
      return `from ${ch.from?.key}, ${where}`;
    case 'file removed':
      return ch.id ? `${where}, id ${ch.id}` : where;
    case 'new file':
    case 'file changed':
      return where;
  }
}

function renderDrift(d: NonNullable<PublicPlan['drift']>[number], c: Colors): string {
  const what = {
    changed: `edited in Open.cx: ${d.changes.map((x) => x.field).join(', ')}`,
    deleted: 'deleted in Open.cx',
    untagged: `its opencx-sync tag (metadata.key) was removed or changed in Open.cx (id ${d.id})`,
    twin: `another training (id ${d.id}) carries this key but is not the one tracked: delete it in Open.cx`,
    untracked: `made by opencx-sync (id ${d.id}) but not in the state file: "opencx-sync state rebuild" recovers it`,
  }[d.kind];
  return `  ${c.yellow('!')} ${d.key}: ${what}`;
}

/** One changed field of a public change, its values as the config names them. */
export function fieldChangeOf(ch: PublicChange, field: FieldName, names: NameMaps | undefined): { field: FieldName; before: unknown; after: unknown } {
  return withNames({ field, before: ch.before?.[field] ?? null, after: ch.after?.[field] ?? null }, names);
}

/** Pushes the lines of a change's fields onto `out`, each after `indent` (no list of lines per change). */
function renderFieldChanges(ch: PublicChange, opts: PlanTextOptions, out: string[], indent: string): void {
  if (ch.action === 'delete') return;
  if ((ch.action === 'update' || ch.action === 'retag') && ch.changed.length === 0) {
    out.push(indent + (ch.action === 'retag' ? 'fields already match the file: only the tag is written' : 'Open.cx already matches the file'));
    return;
  }
  const isNew = ch.action === 'create' || ch.action === 'adopt';
  for (let i = 0; i < ch.changed.length; i++) {
    const field = ch.changed[i] as FieldName;
    if (field === 'content') {
      // Read from the public content alone, never through the name maps.
      for (const line of renderContent(ch.before?.content ?? null, ch.after?.content ?? null, opts)) out.push(indent + line);
      continue;
    }
    const fc = fieldChangeOf(ch, field, opts.names);
    // A new training lists only what differs from the defaults, unless --verbose.
    if (isNew && !opts.verbose && field !== 'title' && isDefaultValue(fc.after)) continue;
    if (fc.before === null && isNew) out.push(`${indent}${field}: ${show(fc.after)}`);
    else out.push(`${indent}${field}: ${show(fc.before)} -> ${show(fc.after)}`);
  }
}

/** Shows ids by the names the config gives them: `directory: "Billing"`, not an opaque id. */
export function withNames<T extends { field: FieldName; before: unknown; after: unknown }>(fc: T, names: NameMaps | undefined): T {
  const map = fc.field === 'directory' ? names?.directories : fc.field === 'segments' ? names?.segments : undefined;
  if (!map || map.size === 0) return fc;
  const byId = reversed(map);
  const name = (v: unknown): unknown => (Array.isArray(v) ? v.map(name) : typeof v === 'string' ? (byId.get(v) ?? v) : v);
  return { ...fc, before: name(fc.before), after: name(fc.after) };
}

/** Each name map turned around once, not once per field change shown (10,000 creates with a directory). */
const reversedMaps = new WeakMap<ReadonlyMap<string, string>, Map<string, string>>();

function reversed(map: ReadonlyMap<string, string>): Map<string, string> {
  let byId = reversedMaps.get(map);
  if (!byId) reversedMaps.set(map, (byId = namesById(map)));
  return byId;
}

/** A value a new training has unless its file says otherwise: not worth a line in a create. */
export function isDefaultValue(v: unknown): boolean {
  return v === false || v === null || v === 'SCENARIO_SPECIFIC' || (Array.isArray(v) && v.length === 0);
}

/** The lines of a body diff: '+' added, '-' removed, ' ' unchanged. */
export function bodyDiff(before: unknown, after: unknown): { sign: '+' | '-' | ' '; line: string }[] {
  const out: { sign: '+' | '-' | ' '; line: string }[] = [];
  for (const part of diffLines(typeof before === 'string' ? before : '', typeof after === 'string' ? after : '')) {
    const sign = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) out.push({ sign, line });
  }
  return out;
}

/** Values may come from the server: never print its escape sequences. */
function show(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const w = v as { from?: string | null; until?: string | null };
    return `${w.from ? stripControl(w.from) : '(no start)'} .. ${w.until ? stripControl(w.until) : '(no end)'}`;
  }
  return Array.isArray(v) ? (v.length ? `[${v.map((x) => stripControl(String(x))).join(', ')}]` : '[] (all)') : JSON.stringify(v);
}

const DIFF_LINES = 12;

function renderContent(before: PublicContent | null, after: PublicContent | null, opts: { c: Colors; verbose: boolean }): string[] {
  if (!before?.text || after?.text == null) return [`content: ${plural(after?.lines ?? 0, 'line')}, ${plural(after?.characters ?? 0, 'character')}`];
  const changed = bodyDiff(before.text, after.text).filter((d) => d.sign !== ' ');
  const shown = opts.verbose ? changed : changed.slice(0, DIFF_LINES);
  // Escaped, not stripped: a line that only gained a NUL would print the same as the line it replaced.
  const lines = ['content:', ...shown.map((d) => (d.sign === '+' ? opts.c.green(`  + ${showControl(d.line)}`) : opts.c.red(`  - ${showControl(d.line)}`)))];
  const hidden = changed.length - shown.length;
  if (hidden) lines.push(opts.c.dim(`  ... ${hidden} more changed ${hidden === 1 ? 'line' : 'lines'} (--verbose shows all)`));
  return lines;
}

/** The machine-readable plan (`plan --json`, the Action's plan-json file): the public plan itself. */
export function planToJson(plan: Plan, dir: string, verdict?: Verdict): PublicPlan {
  return toPublicPlan(plan, { dir, verdict });
}

export function applySummaryLine(outcomes: Outcome[], unchanged: number): string {
  const n = countOutcomes(outcomes);
  const skipped = n.skipped ? `, ${n.skipped} skipped` : '';
  const adopted = n.adopted ? `, ${n.adopted} adopted` : '';
  return `Apply: ${n.created} created${adopted}, ${n.updated} updated, ${n.moved} moved, ${n.deleted} deleted, ${n.failed} failed${skipped}. ${unchanged} unchanged.`;
}

/** After the outcomes: kept orphans, the summary line, and the failures again, together (in a long run they scrolled by). */
export function renderApplyEnd(outcomes: Outcome[], plan: Plan, opts: { dir: string; c: Colors }): string {
  const out: string[] = [];
  const n = plan.orphans.length;
  if (n) out.push(opts.c.yellow(`${plural(n, 'training')} whose file is gone ${n === 1 ? 'was' : 'were'} kept; pass --prune to delete them.`));
  out.push(applySummaryLine(outcomes, plan.summary.unchanged));
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length && outcomes.length > failed.length) out.push(`Failed:\n${failed.map((o) => renderOutcome(o, opts)).join('\n')}`);
  return out.join('\n');
}

/** Before the confirmation: the changes apply will fail or skip under --on-drift (empty when none). */
export function renderVerdict(verdict: Verdict, c: Colors): string {
  const out: string[] = [];
  if (verdict.refusals.length) out.push(c.red(`\nThese will fail:\n${verdict.refusals.map((r) => `  ${r}`).join('\n')}`));
  if (verdict.skips.length) out.push(c.yellow(`\nThese will be skipped:\n${verdict.skips.map((r) => `  ${r}`).join('\n')}`));
  return out.join('\n');
}

export function renderOutcome(o: Outcome, opts: { dir: string; c: Colors }): string {
  const { c } = opts;
  const where = c.dim(`(${displayPath(opts.dir, o.change.path)})`);
  switch (o.status) {
    case 'failed':
      return `  ${c.red('x failed ')} ${c.bold(o.change.key)} ${where}: ${o.message}`;
    case 'skipped':
      return `  ${c.yellow('! skipped')} ${c.bold(o.change.key)} ${where}: ${o.reason}`;
    default: {
      const sym = { created: '+', adopted: '+', updated: '~', moved: '>', deleted: '-' }[o.status];
      const note = o.note ? `: ${o.note}` : '';
      return `  ${sym} ${o.status.padEnd(7)} ${c.bold(o.change.key)} ${where}${o.id ? c.dim(` ${o.id}`) : ''}${note}`;
    }
  }
}
