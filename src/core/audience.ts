// Who hears what: which trainings reach a channel and a segment, the size of the always-on rules per
// audience, and which audiences a plan touches. Pure.
import type { Plan } from './plan.js';
import { CHANNELS, type Channel, type Training, type TrainingFields } from './training.js';

/** Segment value for customers in no segment: they get only trainings restricted to no segment. */
export const EVERYONE = '*';

/** Default budget of the always-on text per audience, in characters (see docs/rules.md#behavioral-budget). */
export const DEFAULT_BEHAVIORAL_BUDGET = 8_000;

/** Characters the AI is given for a training: its trigger phrase and its content. */
export function trainingSize(f: Pick<TrainingFields, 'title' | 'content'>): number {
  return f.title.length + f.content.length;
}

/** Does a training reach this audience? An absent filter matches all; a draft reaches nobody. */
export function reaches(f: TrainingFields, channel?: Channel, segment?: string): boolean {
  if (f.draft) return false;
  if (channel !== undefined && f.channels.length > 0 && !f.channels.includes(channel)) return false;
  if (segment === undefined || f.segments.length === 0) return true;
  return segment !== EVERYONE && f.segments.includes(segment);
}

export interface AudienceTotal {
  channel: Channel;
  /** A segment id, or EVERYONE for customers in no segment. */
  segment: string;
  size: number;
  /** The largest always-on training reaching it: where trimming helps most. */
  largest: Training | undefined;
}

/**
 * Size of the always-on (BEHAVIORAL) trainings reaching every audience: each channel for customers
 * in no segment, and each channel for each segment some training names. Linear in the trainings.
 */
export function behavioralTotals(trainings: readonly Training[]): AudienceTotal[] {
  type Sum = { size: number; largest: Training | undefined; largestSize: number };
  const open = new Map<string, Sum>();
  const bySegment = new Map<string, Map<string, Sum>>();
  const add = (m: Map<string, Sum>, c: string, t: Training, size: number) => {
    const cur = m.get(c);
    if (!cur) m.set(c, { size, largest: t, largestSize: size });
    else {
      cur.size += size;
      if (size > cur.largestSize) Object.assign(cur, { largest: t, largestSize: size });
    }
  };
  // Indexed loops: this runs over every training, mostly before the code is optimised, and for...of
  // makes an iterator result per step there.
  for (let i = 0; i < trainings.length; i++) {
    const t = trainings[i] as Training;
    const f = t.fields;
    if (f.draft) continue;
    for (let j = 0; j < f.segments.length; j++) {
      const s = f.segments[j] as string;
      if (!bySegment.has(s)) bySegment.set(s, new Map());
    }
    if (f.type !== 'BEHAVIORAL') continue;
    const size = trainingSize(f);
    const channels = f.channels.length ? f.channels : CHANNELS;
    // Each (audience, channel) sum is its own: summed audience by audience, in the channels' order.
    if (f.segments.length === 0) for (const c of channels) add(open, c, t, size);
    for (const s of f.segments) for (const c of channels) add(bySegment.get(s) as Map<string, Sum>, c, t, size);
  }
  const out: AudienceTotal[] = [];
  for (const c of CHANNELS) {
    const base = open.get(c) ?? { size: 0, largest: undefined, largestSize: 0 };
    out.push({ channel: c, segment: EVERYONE, size: base.size, largest: base.largest });
    for (const [s, m] of [...bySegment].sort(([a], [b]) => a.localeCompare(b))) {
      const own = m.get(c) ?? { size: 0, largest: undefined, largestSize: 0 };
      const largest = own.largestSize >= base.largestSize && own.largest ? own.largest : base.largest;
      out.push({ channel: c, segment: s, size: base.size + own.size, largest });
    }
  }
  return out;
}

export interface AudienceView {
  channel: Channel | null;
  segment: string | null;
  budget: number;
  behavioral: { key: string; path: string; title: string; size: number; channels: string[]; segments: string[] }[];
  behavioralSize: number;
  /** The fullest single audience within the filter: the figure to hold against the budget. */
  worst: { channel: Channel; segment: string; size: number } | null;
  scenarios: { directory: string | null; trainings: { key: string; path: string; title: string; channels: string[]; segments: string[] }[] }[];
  drafts: number;
}

/** What the AI is told for an audience: the always-on rules and the scenario trainings, by directory. */
export function audienceView(trainings: readonly Training[], filter: { channel?: Channel; segment?: string }, budget: number): AudienceView {
  const reached = trainings.filter((t) => reaches(t.fields, filter.channel, filter.segment));
  const item = (t: Training) => ({ key: t.key, path: t.path, title: t.fields.title, channels: t.fields.channels, segments: t.fields.segments });
  const behavioral = reached.filter((t) => t.fields.type === 'BEHAVIORAL').map((t) => ({ ...item(t), size: trainingSize(t.fields) }));
  const dirs = new Map<string | null, AudienceView['scenarios'][number]['trainings']>();
  for (const t of reached) {
    if (t.fields.type !== 'SCENARIO_SPECIFIC') continue;
    const list = dirs.get(t.fields.directory) ?? [];
    list.push(item(t));
    dirs.set(t.fields.directory, list);
  }
  const inFilter = behavioralTotals(trainings).filter(
    (a) => (filter.channel === undefined || a.channel === filter.channel) && (filter.segment === undefined || a.segment === filter.segment || (filter.segment !== EVERYONE && a.segment === EVERYONE && !trainings.some((t) => t.fields.segments.includes(filter.segment as string)))),
  );
  const worst = inFilter.reduce<AudienceTotal | undefined>((w, a) => (!w || a.size > w.size ? a : w), undefined);
  return {
    channel: filter.channel ?? null,
    segment: filter.segment ?? null,
    budget,
    behavioral,
    behavioralSize: behavioral.reduce((n, b) => n + b.size, 0),
    worst: worst ? { channel: worst.channel, segment: worst.segment, size: worst.size } : null,
    scenarios: [...dirs]
      .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
      .map(([directory, list]) => ({ directory, trainings: list.sort((a, b) => a.key.localeCompare(b.key)) })),
    drafts: trainings.filter((t) => t.fields.draft).length,
  };
}

export interface AffectedAudience {
  /** A channel, or a segment id (EVERYONE: customers in no segment). */
  dimension: 'channel' | 'segment';
  value: string;
  created: number;
  changed: number;
  removed: number;
  /** Change in characters of always-on text reaching it. */
  behavioralDelta: number;
}

/**
 * For each channel and segment a plan touches: trainings created, changed and removed, and the change
 * in always-on size. A training restricted to nothing touches every channel (and every segment).
 */
export function affectedAudiences(plan: Plan): AffectedAudience[] {
  // Changes that reach the same audiences (the same kind, channels and segments on each side) count as one
  // group, their always-on sizes summed: 10,000 creates touch each audience a few times, not 10,000.
  type Group = { before: TrainingFields | undefined; after: TrainingFields | undefined; kind: 'created' | 'changed' | 'removed'; count: number; beforeSize: number; afterSize: number };
  const groups = new Map<string, Group>();
  const segments = new Set<string>([EVERYONE]);
  const size = (f: TrainingFields | undefined) => (f && f.type === 'BEHAVIORAL' && !f.draft ? trainingSize(f) : 0);
  for (const ch of plan.changes) {
    if (ch.changes.length === 0) continue;
    // An adoption read from Open.cx changes a training its audience already hears.
    const isNew = ch.action === 'create' && !(ch.adopt && plan.drift !== null);
    const before = isNew ? undefined : beforeFields(ch.action === 'delete' ? undefined : ch.fields, ch.changes);
    const after = ch.action === 'delete' ? undefined : ch.fields;
    const kind = isNew ? 'created' : ch.action === 'delete' ? 'removed' : 'changed';
    if (!before && !after) continue;
    const sig = `${kind} ${audienceOf(before)} ${audienceOf(after)}`;
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { before, after, kind, count: 0, beforeSize: 0, afterSize: 0 }));
    g.count++;
    g.beforeSize += size(before);
    g.afterSize += size(after);
    if (before) for (const s of before.segments) segments.add(s);
    if (after) for (const s of after.segments) segments.add(s);
  }
  // One map per dimension, no closure per group and audience.
  const rows = { channel: new Map<string, AffectedAudience>(), segment: new Map<string, AffectedAudience>() };
  const touch = (dimension: AffectedAudience['dimension'], value: string, inBefore: boolean, inAfter: boolean, g: Group) => {
    if (!inBefore && !inAfter) return;
    let r = rows[dimension].get(value);
    if (!r) rows[dimension].set(value, (r = { dimension, value, created: 0, changed: 0, removed: 0, behavioralDelta: 0 }));
    r[g.kind] += g.count;
    r.behavioralDelta += (inAfter ? g.afterSize : 0) - (inBefore ? g.beforeSize : 0);
  };
  const hit = (f: TrainingFields | undefined, seg: string) => f !== undefined && (seg === EVERYONE ? f.segments.length === 0 : includes(f.segments, seg));
  for (const g of groups.values()) {
    const { before, after } = g;
    for (const c of CHANNELS) touch('channel', c, before !== undefined && includes(before.channels, c), after !== undefined && includes(after.channels, c), g);
    for (const seg of segments) touch('segment', seg, hit(before, seg), hit(after, seg), g);
  }
  const order = (r: AffectedAudience) => (r.dimension === 'channel' ? CHANNELS.indexOf(r.value as Channel) : CHANNELS.length + (r.value === EVERYONE ? 0 : 1));
  return [...rows.channel.values(), ...rows.segment.values()].sort((a, b) => order(a) - order(b) || a.value.localeCompare(b.value));
}

/** Which audiences a side reaches is decided by its channels and segments alone. */
function audienceOf(f: TrainingFields | undefined): string {
  if (f === undefined) return '-';
  return f.channels.length === 0 && f.segments.length === 0 ? '' : JSON.stringify([f.channels, f.segments]);
}

function includes<T>(list: readonly T[], v: T): boolean {
  return list.length === 0 || list.includes(v);
}

/** The fields before a change: the changed fields' old values over the new ones. Undefined if unknown. */
function beforeFields(after: TrainingFields | undefined, changes: Plan['changes'][number]['changes']): TrainingFields | undefined {
  const f: Record<string, unknown> = { ...(after ?? {}) };
  for (const c of changes) f[c.field] = c.before;
  if (typeof f.title !== 'string' || typeof f.content !== 'string' || !Array.isArray(f.channels) || !Array.isArray(f.segments)) return undefined;
  return f as unknown as TrainingFields;
}
