// The audience view (`opencx-sync audience`) and the plan's "Affected audiences" section, as text
// and Markdown (its JSON: json.ts). Pure string building, like report.ts.
import { type AffectedAudience, type AudienceView, EVERYONE } from '../core/audience.js';
import { namesById } from '../core/names.js';
import type { NameMaps } from '../core/parse.js';
import { formatCount } from '../core/rules/text.js';
import { CHANNELS } from '../core/training.js';
import type { Colors } from './report.js';
import { plural } from '../core/plural.js';

const n = formatCount;

export function segmentName(id: string, names: NameMaps | undefined): string {
  if (id === EVERYONE) return 'customers in no segment';
  const name = namesById(names?.segments).get(id);
  return name ? `segment "${name}"` : `segment ${id}`;
}

function restriction(channels: string[], segments: string[], names: NameMaps | undefined): string {
  const seg = namesById(names?.segments);
  const parts = [channels.length ? channels.join(', ') : 'all channels'];
  if (segments.length) parts.push(segments.map((s) => seg.get(s) ?? s).join(', '));
  return parts.join('; ');
}

/** `shown`: a training's path as people see it (report.ts displayPath with the trainings folder). */
export function renderAudience(v: AudienceView, opts: { shown: (p: string) => string; c: Colors; names?: NameMaps }): string {
  const { c } = opts;
  const dirs = namesById(opts.names?.directories);
  const who = [v.channel ? `channel ${v.channel}` : 'every channel', v.segment ? segmentName(v.segment, opts.names) : 'every segment'].join(', ');
  const out = [c.bold(`What the AI is told for ${who}`), ''];
  const pct = v.worst ? Math.round((v.worst.size / v.budget) * 100) : 0;
  const over = v.worst && v.worst.size > v.budget;
  out.push(c.bold(`Always-on rules (BEHAVIORAL): ${v.behavioral.length}, ${n(v.behavioralSize)} characters`));
  if (v.worst) {
    const line = `  fullest audience: ${v.worst.channel}, ${segmentName(v.worst.segment, opts.names)}: ${n(v.worst.size)} of the ${n(v.budget)} budget (${pct}%)`;
    out.push(over ? c.yellow(`${line}: over budget`) : c.dim(line));
  }
  const keyWidth = Math.max(0, ...v.behavioral.map((b) => b.key.length));
  for (const b of v.behavioral) {
    out.push(`  ${b.key.padEnd(keyWidth)}  ${n(b.size).padStart(6)}  ${b.title}  ${c.dim(`(${opts.shown(b.path)}; ${restriction(b.channels, b.segments, opts.names)})`)}`);
  }
  const total = v.scenarios.reduce((k, d) => k + d.trainings.length, 0);
  out.push('', c.bold(`Scenario trainings: ${total}`));
  for (const d of v.scenarios) {
    out.push(`  ${d.directory === null ? '(no directory)' : (dirs.get(d.directory) ?? d.directory)}`);
    for (const t of d.trainings) out.push(`    ${t.title}  ${c.dim(`(${opts.shown(t.path)}; ${restriction(t.channels, t.segments, opts.names)})`)}`);
  }
  if (v.drafts) out.push('', c.dim(`${plural(v.drafts, 'draft')} not shown: drafts are not used by the AI.`));
  return out.join('\n');
}

/** One line per group of channels with the same numbers, then one per segment. */
function affectedLines(rows: AffectedAudience[], names: NameMaps | undefined): { who: string; what: string }[] {
  const what = (r: AffectedAudience) => {
    const d = r.behavioralDelta;
    const delta = d === 0 ? '' : `; always-on ${d > 0 ? '+' : '−'}${n(Math.abs(d))} characters`;
    return `${r.created} created, ${r.changed} changed, ${r.removed} removed${delta}`;
  };
  const groups = new Map<string, string[]>();
  for (const r of rows) if (r.dimension === 'channel') groups.set(what(r), [...(groups.get(what(r)) ?? []), r.value]);
  const out = [...groups].map(([w, chs]) => ({ who: chs.length === CHANNELS.length ? 'every channel' : `channel${chs.length > 1 ? 's' : ''} ${chs.join(', ')}`, what: w }));
  for (const r of rows) if (r.dimension === 'segment') out.push({ who: segmentName(r.value, names), what: what(r) });
  return out;
}

export function renderAffectedAudiences(rows: AffectedAudience[], opts: { c: Colors; names?: NameMaps }): string[] {
  if (!rows.length) return [];
  return ['', opts.c.bold('Affected audiences:'), ...affectedLines(rows, opts.names).map((l) => `  ${l.who}: ${l.what}`)];
}

export function affectedAudiencesMarkdown(rows: AffectedAudience[], names?: NameMaps): string[] {
  if (!rows.length) return [];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return ['', '#### Affected audiences', '', '| Audience | Trainings | Always-on change |', '| --- | --- | --- |',
    ...affectedLines(rows, names).map((l) => {
      const [counts, delta] = l.what.split('; always-on ');
      return `| ${cell(l.who)} | ${counts} | ${delta ?? '—'} |`;
    })];
}
