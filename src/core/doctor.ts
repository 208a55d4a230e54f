// `opencx-sync doctor`'s report: what was checked against the real API, what was seen, what the tool
// does about it. Pure: the verdicts, the exit code and the table are computed here from plain data.

export const DOCTOR_FORMAT_VERSION = 1;

/**
 * holds: as the strict reading the tool is tested against; differs: another reading, which the tool
 * copes with (a feature may be limited: the tool column says so); breaks: the tool cannot work so;
 * unknown: not seen (not enough trainings, an earlier step failed, interrupted).
 */
export type Verdict = 'holds' | 'differs' | 'breaks' | 'unknown';

export const CHECKS = [
  ['key', 'The key is valid and may read trainings (training:read)'],
  ['write-scope', 'The key may write trainings (training:write)'],
  ['segments-scope', 'The key may read segments (segments:read)'],
  ['list-paging', 'GET /training pages with limit/offset in an {items, total, has_more} envelope'],
  ['list-sort', 'GET /training lists newest first'],
  ['leftovers', 'No probe is left from an earlier doctor run'],
  ['create-status', 'POST /training answers 201'],
  ['create-draft', 'A create without is_draft makes a draft'],
  ['metadata-stored', 'metadata sent on create is stored and returned'],
  ['metadata-filter', 'GET /training?metadata= filters by jsonb containment'],
  ['put-metadata', 'PUT /training/{id} takes metadata and keeps it'],
  ['put-omitted', 'PUT /training/{id} resets the fields it is not sent'],
  ['draft-endpoint', 'PUT /training/{id}/draft sets the state its body names'],
  ['type-change', 'A type change is taken and leaves a draft a draft'],
  ['delete', 'DELETE /training/{id} answers 204, then the training is gone (404)'],
  ['rate-limit', 'Rate-limit headers (undocumented): none, or a limit at least --rate-limit'],
] as const;

export type CheckId = (typeof CHECKS)[number][0];

export interface Check {
  id: CheckId;
  assumption: string;
  observed: string;
  /** What the tool does about what was observed. */
  tool: string;
  verdict: Verdict;
}

export type DoctorResult = 'holds' | 'differs' | 'breaks' | 'error' | 'interrupted';

export interface DoctorReport {
  format_version: typeof DOCTOR_FORMAT_VERSION;
  command: 'doctor';
  tool_version: string;
  /** Origin and path only: never credentials or a query. */
  api_url: string;
  started_at: string;
  finished_at: string;
  result: DoctorResult;
  checks: Check[];
  probe: {
    id: string | null;
    /** The probe is gone from Open.cx (also true when none was made). */
    removed: boolean;
    /** Probes an earlier, killed doctor run left, removed by this one. */
    leftovers_removed: string[];
  };
  /** Every answer, in order: method, path (no query), status (null: no answer). */
  requests: { method: string; path: string; status: number | null }[];
  /** Why the run stopped early, when it did (not `error`: that key marks the error document, docs/json-output.md). */
  stopped_because?: string;
}

/** The checks in the documented order; a check never reached is unknown, with the reason given. */
export function completeChecks(seen: ReadonlyMap<CheckId, Omit<Check, 'id' | 'assumption'>>, notReached: string): Check[] {
  return CHECKS.map(([id, assumption]) => ({ id, assumption, ...(seen.get(id) ?? { observed: notReached, tool: '-', verdict: 'unknown' as const }) }));
}

/** The run's result: interrupted, else the worst verdict seen (a check that breaks also stops the run). */
export function resultOf(checks: readonly Check[], stopped?: 'error' | 'interrupted'): DoctorResult {
  if (stopped === 'interrupted') return stopped;
  if (checks.some((c) => c.verdict === 'breaks')) return 'breaks';
  if (stopped) return stopped;
  return checks.some((c) => c.verdict === 'differs') ? 'differs' : 'holds';
}

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const MARK: Record<Verdict, string> = { holds: 'ok', differs: 'differs', breaks: 'BREAKS', unknown: '?' };

/** The table `assumption | observed | what the tool does`, wrapped to `width` columns, then a summary. */
export function renderDoctorReport(report: DoctorReport, o: { c: Paint; width: number }): string {
  const { c } = o;
  const markWidth = 8;
  const usable = Math.max(60, o.width) - markWidth - 6;
  const widths = [Math.floor(usable * 0.34), Math.floor(usable * 0.3)];
  widths.push(usable - (widths[0] as number) - (widths[1] as number));
  const paint: Record<Verdict, (s: string) => string> = { holds: c.green, differs: c.yellow, breaks: c.red, unknown: c.dim };
  const lines: string[] = [];
  const row = (mark: string, cells: string[], style: (s: string) => string = (s) => s) => {
    const wrapped = cells.map((cell, i) => wrap(cell, widths[i] as number));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let k = 0; k < height; k++) {
      const text = wrapped.map((w, i) => (w[k] ?? '').padEnd(widths[i] as number)).join('  ').trimEnd();
      lines.push(`${style((k === 0 ? mark : '').padEnd(markWidth))}${text}`);
    }
  };
  row('', ['Assumption', 'Observed', 'What the tool does'], c.bold);
  for (const check of report.checks) row(MARK[check.verdict], [check.assumption, check.observed, check.tool], paint[check.verdict]);
  lines.push('', summaryOf(report, c));
  return lines.join('\n');
}

function summaryOf(report: DoctorReport, c: Paint): string {
  const probe = report.probe.id === null ? '' : report.probe.removed ? ` The probe ${report.probe.id} was deleted.` : '';
  const left = report.probe.id !== null && !report.probe.removed
    ? c.red(` The probe ${report.probe.id} may still be in Open.cx: the next "opencx-sync doctor" removes it, or delete it in the dashboard.`)
    : '';
  const text: Record<DoctorResult, string> = {
    holds: c.green('Every assumption holds.'),
    differs: c.yellow('This Open.cx differs from the strict reading where marked; opencx-sync copes (limits, if any, are in the last column).'),
    breaks: c.red('Something marked BREAKS would stop opencx-sync working against this Open.cx: do not apply; attach the report to a bug report.'),
    error: c.red(`The checks stopped early: ${report.stopped_because ?? 'unknown error'}.`),
    interrupted: c.yellow('Interrupted: the checks not reached are marked ?.'),
  };
  return `${text[report.result]}${probe}${left}`;
}

/** Greedy word wrap; a word longer than the width is cut. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) out.push(line);
      out.push(w.slice(0, width));
      w = w.slice(width);
      line = '';
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}
