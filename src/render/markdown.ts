// Markdown for GitHub: the job summary and the pull-request comment share one rendering of plan and results.
import { countOutcomes, type Outcome } from '../core/outcome.js';
import { issueText, type Issue } from '../core/issue.js';
import type { Change, Plan } from '../core/plan.js';
import { toPublicPlan, type PublicChange, type PublicPlan } from '../core/plan-contract.js';
import type { Verdict } from '../core/guards.js';
import type { NameMaps } from '../core/parse.js';
import { affectedAudiencesMarkdown } from './audience.js';
import { bodyDiff, displayPath, fieldChangeOf, internalAudiences, isDefaultValue, withNames } from './report.js';
import { plural } from '../core/plural.js';
import { showControl } from '../errors.js';

/** Hidden marker that finds our own comment again, so each push updates it instead of adding one. */
export const COMMENT_MARKER = '<!-- opencx-sync:plan -->';

/** The reviewed plan's fingerprint, hidden in the plan comment: apply on merge compares its own with it. */
export const fingerprintMarker = (fingerprint: string): string => `<!-- opencx-sync:fingerprint=${fingerprint} -->`;

export function fingerprintIn(body: string): string | undefined {
  return /<!-- opencx-sync:fingerprint=([0-9a-f]{64}) -->/.exec(body)?.[1];
}

export interface LinkContext {
  dir: string;
  /** e.g. https://github.com/owner/repo/blob/<sha>; links are left out when absent. */
  blobUrl?: string;
  /** Config names, to show `Billing` rather than a directory id. */
  names?: NameMaps;
}

const ICON = { create: '➕ create', adopt: '➕ adopt', update: '✏️ update', retag: '🏷️ retag', move: '➡️ move', delete: '🗑️ delete' } as const;

function fileLink(p: string, ctx: LinkContext): string {
  return shownLink(displayPath(ctx.dir, p), ctx);
}

/** `shown`: a path already joined with the trainings folder, as the public plan carries it. */
function shownLink(shown: string, ctx: LinkContext): string {
  return ctx.blobUrl ? `[\`${shown}\`](${ctx.blobUrl}/${shown.split('/').map(encodeURIComponent).join('/')})` : `\`${shown}\``;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function short(v: unknown): string {
  const text = Array.isArray(v) ? (v.length ? v.join(', ') : 'all') : v === null ? '—' : String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fieldSummary(ch: Change, names: NameMaps | undefined): string {
  if (ch.action === 'delete') return '';
  const parts = ch.changes
    .map((f) => withNames(f, names))
    .filter((f) => ch.action !== 'create' || f.field === 'title' || !isDefaultValue(f.after))
    .map((f) => (f.field === 'content' ? 'content' : ch.action === 'create' ? `${f.field}: ${short(f.after)}` : `${f.field}: ${short(f.before)} → ${short(f.after)}`));
  return cell(parts.join('; '));
}

function contentDiff(before: string, after: string): string {
  return bodyDiff(before, after)
    .slice(0, 80)
    .map((d) => `${d.sign} ${showControl(d.line)}`)
    .join('\n')
    .replace(/```/g, '`\u200b``');
}

/** The plan as Markdown, from the internal plan: a shorthand for publicPlanMarkdown(toPublicPlan(...)). */
export function planMarkdown(plan: Plan, ctx: LinkContext, title = 'opencx-sync plan', verdict?: Verdict): string {
  return publicPlanMarkdown(toPublicPlan(plan, { dir: ctx.dir, verdict }), ctx, title);
}

function publicFieldSummary(ch: PublicChange, names: NameMaps | undefined): string {
  if (ch.action === 'delete') return '';
  const isNew = ch.action === 'create' || ch.action === 'adopt';
  const parts = ch.changed
    .map((f) => fieldChangeOf(ch, f, names))
    .filter((f) => !isNew || f.field === 'title' || !isDefaultValue(f.after))
    .map((f) => (f.field === 'content' ? 'content' : isNew && f.before === null ? `${f.field}: ${short(f.after)}` : `${f.field}: ${short(f.before)} → ${short(f.after)}`));
  // A reviewer must see which existing training is taken over, and why.
  const adopts = ch.action === 'adopt' && ch.id ? [`adopts ${ch.id} (${ch.reason})`] : [];
  return cell([...adopts, ...parts].join('; '));
}

/** The job summary and pull-request comment: everything it shows comes from the public plan. */
export function publicPlanMarkdown(plan: PublicPlan, ctx: LinkContext, title = 'opencx-sync plan'): string {
  const s = plan.summary;
  const extra = (n: number, what: string) => (n ? `, **${n}** to ${what}` : '');
  const out = [`### ${title}`, ''];
  out.push(`**${s.create}** to create${extra(s.adopt, 'adopt')}, **${s.update}** to update${extra(s.retag, 'retag')}, **${s.move}** to move, **${s.delete}** to delete, ${s.unchanged} unchanged.`, '');
  if (plan.drift?.length) {
    out.push('> [!WARNING]', `> ${plural(plan.drift.length, 'training')} ${plan.drift.length === 1 ? 'differs' : 'differ'} in Open.cx from the last apply: ${plan.drift.map((d) => `\`${d.key}\` (${d.kind})`).join(', ')}`, '');
  }
  if (plan.changes.length) {
    out.push('| Change | Training | File | Fields |', '| --- | --- | --- | --- |');
    for (const ch of plan.changes) out.push(`| ${ICON[ch.action]} | \`${cell(ch.key)}\` | ${shownLink(ch.path, ctx)} | ${publicFieldSummary(ch, ctx.names)} |`);
    out.push('');
    const diffs = plan.changes.flatMap((ch) => {
      const before = ch.before?.content?.text;
      const after = ch.after?.content?.text;
      return before != null && after != null && ch.changed.includes('content') ? [`<details><summary>Content of <code>${ch.key}</code></summary>\n\n\`\`\`diff\n${contentDiff(before, after)}\n\`\`\`\n</details>`] : [];
    });
    out.push(...diffs);
    out.push(...affectedAudiencesMarkdown(internalAudiences(plan), ctx.names));
  } else {
    // Offline, only the state file was compared: Open.cx itself was not read.
    out.push(!plan.refreshed ? 'No changes: the files match the state file (a refreshed plan also checks Open.cx).' : 'No changes: Open.cx matches the files.');
  }
  if (plan.orphans.length) out.push('', `Kept without \`prune\`: ${plan.orphans.map((o) => `\`${o.key}\``).join(', ')} (file gone).`);
  if (plan.refusals.length) out.push('', '> [!CAUTION]', '> Apply would refuse:', ...plan.refusals.map((r) => `> - ${cell(r)}`));
  if (plan.skips.length) out.push('', 'Apply would skip (`on-drift: skip`):', ...plan.skips.map((r) => `- ${cell(r)}`));
  return out.join('\n') + '\n';
}

export function applyMarkdown(outcomes: Outcome[], plan: Plan, ctx: LinkContext): string {
  const n = countOutcomes(outcomes);
  const out = ['### opencx-sync apply', ''];
  out.push(`**${n.created}** created, ${n.adopted ? `**${n.adopted}** adopted, ` : ''}**${n.updated}** updated, **${n.moved}** moved, **${n.deleted}** deleted, **${n.failed}** failed${n.skipped ? `, ${n.skipped} skipped` : ''}, ${plan.summary.unchanged} unchanged.`, '');
  if (outcomes.length) {
    out.push('| Result | Training | File | Detail |', '| --- | --- | --- | --- |');
    for (const o of outcomes) {
      const detail = o.status === 'failed' ? o.message : o.status === 'skipped' ? o.reason : fieldSummary(o.change, ctx.names);
      const icon = o.status === 'failed' ? '❌ failed' : o.status === 'skipped' ? '⏭️ skipped' : `✅ ${o.status}`;
      out.push(`| ${icon} | \`${cell(o.change.key)}\` | ${fileLink(o.change.path, ctx)} | ${cell(detail)} |`);
    }
  }
  return out.join('\n') + '\n';
}

export function issuesMarkdown(issues: Issue[], files: number): string {
  const errors = issues.filter((i) => i.severity === 'error');
  const out = ['### opencx-sync validate', ''];
  if (!issues.length) return [...out, `${files === 1 ? 'The file is' : `All ${files} files are`} valid.`].join('\n') + '\n';
  out.push(`${plural(errors.length, 'error')}, ${plural(issues.length - errors.length, 'warning')} in ${plural(files, 'file')}.`, '', '| File | Line | Problem |', '| --- | --- | --- |');
  for (const i of issues) out.push(`| \`${cell(i.file)}\` | ${i.line} | ${i.severity === 'warning' ? '⚠️ ' : ''}${cell(issueText(i))} |`);
  return out.join('\n') + '\n';
}
