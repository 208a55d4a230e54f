// Everything people and machines read: the plan, apply results, issues; as text, JSON or GitHub annotations.
// Pure string building: the caller decides where it goes and whether colours are on.
import { diffLines } from 'diff';
import pc from 'picocolors';
import type { Outcome } from '../apply.js';
import { formatIssue, issueText, type Issue } from '../core/issue.js';
import type { NameMaps } from '../core/parse.js';
import type { Change, Drift, FieldChange, Plan } from '../core/plan.js';
import { plural } from '../plural.js';
import { stripControl } from '../errors.js';
import { affectedAudiences } from '../core/audience.js';
import { affectedAudiencesJson, renderAffectedAudiences } from './audience.js';

export type Colors = ReturnType<typeof pc.createColors>;

/** Path as people see it: the trainings folder joined with the path inside it. */
export const displayPath = (dir: string, p: string) => (dir === '.' || dir === '' ? p : `${dir.replace(/\/+$/, '')}/${p}`);

const SYMBOL = { create: '+', update: '~', move: '>', delete: '-' } as const;

export function planSummaryLine(plan: Plan): string {
  const s = plan.summary;
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.move} to move, ${s.delete} to delete.`;
}

export function renderPlan(plan: Plan, opts: { dir: string; c: Colors; verbose: boolean; names?: NameMaps }): string {
  const { c } = opts;
  const out: string[] = [];
  if (plan.drift?.length) {
    out.push(c.yellow('Drift: Open.cx differs from the last apply'));
    out.push(...plan.drift.map((d) => renderDrift(d, c)), '');
  }
  if (plan.changes.length === 0) {
    // Offline, only the state file was compared: Open.cx itself was not read.
    out.push(
      plan.drift === null
        ? `No changes. The files match the state file (${plan.summary.unchanged} unchanged); "plan --refresh" also checks Open.cx.`
        : `No changes. Open.cx matches the files (${plan.summary.unchanged} unchanged).`,
    );
  } else {
    const paint = { create: c.green, update: c.yellow, move: c.cyan, delete: c.red } as const;
    for (const ch of plan.changes) {
      const head = `${paint[ch.action](`${SYMBOL[ch.action]} ${ch.action.padEnd(6)}`)} ${c.bold(ch.key)}`;
      out.push(`  ${head}  ${c.dim(`(${describeTarget(ch, opts.dir)})`)}`);
      out.push(...renderFieldChanges(ch, opts).map((l) => `      ${l}`));
    }
    out.push(...renderAffectedAudiences(affectedAudiences(plan), { c, names: opts.names }));
    out.push('', planSummaryLine(plan) + c.dim(` ${plan.summary.unchanged} unchanged.`));
  }
  if (plan.orphans.length) {
    out.push(
      c.yellow(`${plural(plan.orphans.length, 'training')} whose file is gone ${plan.orphans.length === 1 ? 'is' : 'are'} kept; pass --prune to delete them: `) +
        plan.orphans.map((o) => o.key).join(', '),
    );
  }
  return out.join('\n');
}

function describeTarget(ch: Change, dir: string): string {
  const where = displayPath(dir, ch.path);
  switch (ch.action) {
    case 'create':
      if (ch.adopt && ch.drift) return `${where}, deleted in Open.cx: adopts ${ch.adopt}, which carries the same key`;
      if (ch.adopt) return `${where}, adopts existing ${ch.adopt}`;
      if (ch.drift) return `${where}, deleted in Open.cx: recreate`;
      return ch.lookup ? `${where}, begun by an interrupted run: looked up first` : where;
    case 'update':
      if (ch.drift === 'untagged') return `${where}, tag removed in Open.cx: tag again and overwrite`;
      return ch.drift ? `${where}, edited in Open.cx: overwrite` : where;
    case 'move':
      return ch.from === ch.key ? `${displayPath(dir, ch.fromPath)} -> ${where}` : `from ${ch.from}, ${where}`;
    case 'delete':
      return ch.id ? `${where}, id ${ch.id}` : where;
  }
}

function renderDrift(d: Drift, c: Colors): string {
  const what = {
    changed: `edited in Open.cx: ${d.changes.map((x) => x.field).join(', ')}`,
    deleted: 'deleted in Open.cx',
    untagged: `its opencx-sync tag (metadata.key) was removed or changed in Open.cx (id ${d.id})`,
    twin: `another training (id ${d.id}) carries this key but is not the one tracked: delete it in Open.cx`,
    untracked: `made by opencx-sync (id ${d.id}) but not in the state file: "opencx-sync state rebuild" recovers it`,
  }[d.kind];
  return `  ${c.yellow('!')} ${d.key}: ${what}`;
}

function renderFieldChanges(ch: Change, opts: { c: Colors; verbose: boolean; names?: NameMaps }): string[] {
  if (ch.action === 'delete') return [];
  if (ch.action === 'update' && ch.changes.length === 0) {
    return [ch.drift === 'untagged' ? 'fields already match the file: only the tag is written' : 'Open.cx already matches the file'];
  }
  const lines: string[] = [];
  for (const fc of ch.changes.map((f) => withNames(f, opts.names))) {
    // A new training lists only what differs from the defaults, unless --verbose.
    if (ch.action === 'create' && !opts.verbose && !['title', 'content'].includes(fc.field) && isDefaultValue(fc.after)) continue;
    if (fc.field === 'content') lines.push(...renderContent(fc, opts));
    else if (fc.before === null && ch.action === 'create') lines.push(`${fc.field}: ${show(fc.after)}`);
    else lines.push(`${fc.field}: ${show(fc.before)} -> ${show(fc.after)}`);
  }
  return lines;
}

/** Shows ids by the names the config gives them: `directory: "Billing"`, not an opaque id. */
export function withNames(fc: FieldChange, names: NameMaps | undefined): FieldChange {
  const map = fc.field === 'directory' ? names?.directories : fc.field === 'segments' ? names?.segments : undefined;
  if (!map || map.size === 0) return fc;
  const byId = new Map([...map].map(([name, id]) => [id, name]));
  const name = (v: unknown): unknown => (Array.isArray(v) ? v.map(name) : typeof v === 'string' ? (byId.get(v) ?? v) : v);
  return { ...fc, before: name(fc.before), after: name(fc.after) };
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
  return Array.isArray(v) ? (v.length ? `[${v.map((x) => stripControl(String(x))).join(', ')}]` : '[] (all)') : JSON.stringify(v);
}

const DIFF_LINES = 12;

function renderContent(fc: FieldChange, opts: { c: Colors; verbose: boolean }): string[] {
  const after = typeof fc.after === 'string' ? fc.after : '';
  if (typeof fc.before !== 'string' || !fc.before) return [`content: ${plural(after.split('\n').length, 'line')}, ${plural(after.length, 'character')}`];
  const changed = bodyDiff(fc.before, after).filter((d) => d.sign !== ' ');
  const shown = opts.verbose ? changed : changed.slice(0, DIFF_LINES);
  const lines = ['content:', ...shown.map((d) => (d.sign === '+' ? opts.c.green(`  + ${stripControl(d.line)}`) : opts.c.red(`  - ${stripControl(d.line)}`)))];
  const hidden = changed.length - shown.length;
  if (hidden) lines.push(opts.c.dim(`  ... ${hidden} more changed ${hidden === 1 ? 'line' : 'lines'} (--verbose shows all)`));
  return lines;
}

/** The machine-readable plan (`plan --json`, the Action's plan-json file). */
export function planToJson(plan: Plan, dir: string) {
  return {
    format_version: plan.format_version,
    changes: plan.changes.map((ch) => ({
      action: ch.action,
      key: ch.key,
      path: displayPath(dir, ch.path),
      id: ch.action === 'create' ? ch.adopt : ch.id,
      ...(ch.action === 'move' ? { from: ch.from, from_path: displayPath(dir, ch.fromPath) } : {}),
      ...('drift' in ch && ch.drift ? { drift: ch.drift } : {}),
      fields: ch.changes,
    })),
    orphans: plan.orphans.map((o) => ({ ...o, path: displayPath(dir, o.path) })),
    drift: plan.drift,
    affected_audiences: affectedAudiencesJson(affectedAudiences(plan)),
    summary: plan.summary,
    fingerprint: plan.fingerprint,
    lineage: plan.lineage,
    serial: plan.serial,
  };
}

export interface ApplyCounts {
  created: number;
  /** Found already made (a lost answer, a lost state file) and taken over: not created by this run. */
  adopted: number;
  updated: number;
  moved: number;
  deleted: number;
  failed: number;
  skipped: number;
}

export function countOutcomes(outcomes: Outcome[]): ApplyCounts {
  const n: ApplyCounts = { created: 0, adopted: 0, updated: 0, moved: 0, deleted: 0, failed: 0, skipped: 0 };
  for (const o of outcomes) n[o.status]++;
  return n;
}

export function applySummaryLine(outcomes: Outcome[], unchanged: number): string {
  const n = countOutcomes(outcomes);
  const skipped = n.skipped ? `, ${n.skipped} skipped` : '';
  const adopted = n.adopted ? `, ${n.adopted} adopted` : '';
  return `Apply: ${n.created} created${adopted}, ${n.updated} updated, ${n.moved} moved, ${n.deleted} deleted, ${n.failed} failed${skipped}. ${unchanged} unchanged.`;
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

export function applyToJson(outcomes: Outcome[], plan: Plan | undefined, dir: string) {
  return {
    format_version: 1,
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
    summary: { ...countOutcomes(outcomes), unchanged: plan?.summary.unchanged ?? 0 },
  };
}

export type IssueFormat = 'text' | 'json' | 'github';

export function renderIssues(issues: Issue[], format: IssueFormat, files: number): string {
  const errors = issues.filter((i) => i.severity === 'error');
  if (format === 'json') {
    return JSON.stringify({ format_version: 1, valid: errors.length === 0, files, issues }, null, 2);
  }
  if (format === 'github') {
    return issues
      .map((i) => `::${i.severity} file=${escProperty(i.file)},line=${i.line},col=${i.col}::${escData(issueText(i))}`)
      .join('\n');
  }
  const lines = issues.map(formatIssue);
  const bad = new Set(errors.map((i) => i.file)).size;
  lines.push(
    errors.length
      ? `${plural(errors.length, 'error')} in ${bad} of ${plural(files, 'file')}. Fix ${errors.length === 1 ? 'it' : 'them'} and run again; nothing was sent to Open.cx.`
      : `${plural(files, 'file')} valid.`,
  );
  return lines.join('\n');
}

/** GitHub workflow-command escaping, so a message with newlines stays one annotation. */
function escData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escProperty(s: string): string {
  return escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
