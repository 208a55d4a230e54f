// duplicate-trigger: two scenario trainings with the same (or nearly the same) trigger phrase that
// reach a common audience. The AI cannot tell them apart and may answer either way.
import { z } from 'zod';
import { channelList, overlap, segmentLabel, titlePosition } from './text.js';
import type { Finding, Rule, RuleContext, RuleFile } from './types.js';

/** Words that carry no meaning in a question: "How do I get a refund?" and "How can I get my refund" match. */
const STOP_WORDS = new Set(
  ('a an the and or but if of to in on at for from with by about as into is are was were be been being am do does did ' +
    'done can could will would shall should may might must have has had having i me my mine we us our you your yours ' +
    'he she it its they them their this that these those there here what which who whom whose when where why how ' +
    'whats wheres whens hows whos im ive id ill dont doesnt didnt cant cannot wont isnt arent please any some so just ' +
    'not no yes get got').split(' '),
);
// "get" is a stop word too: "get a refund" and "a refund" ask the same thing.

/** Candidates looked at per phrase at most: keeps pathological inputs (thousands of one phrase) linear. */
const MAX_CANDIDATES = 200;

const options = z.strictObject({
  /** Share of meaningful words two phrases must have in common (Jaccard) to count as near-identical. */
  threshold: z.number().min(0.5).max(1).default(0.8),
});

export function exactKey(title: string): string {
  const lower = title.toLowerCase();
  return /\s\s|[^\S ]/.test(lower) ? lower.replace(/\s+/g, ' ').trim() : lower.trim();
}

/** The meaningful words of a phrase: lower case, accents and punctuation dropped, stop words removed. */
export function phraseTokens(title: string): string[] {
  const lower = title.toLowerCase();
  const out: string[] = [];
  const add = (w: string) => {
    if (w && !STOP_WORDS.has(w) && !out.includes(w)) out.push(w);
  };
  if (!/[^\x20-\x7e]/.test(lower)) {
    // Plain ASCII (nearly every phrase): one pass, words cut with slice (no string building), no
    // Unicode normalisation. An apostrophe joins ("where's" -> "wheres").
    let start = -1;
    for (let i = 0; i <= lower.length; i++) {
      const c = i < lower.length ? lower.charCodeAt(i) : 32;
      const inWord = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c === 39 && start >= 0);
      if (inWord && start < 0) start = i;
      else if (!inWord && start >= 0) {
        const w = lower.slice(start, i);
        add(w.includes("'") ? w.replace(/'/g, '') : w);
        start = -1;
      }
    }
    return out;
  }
  for (const w of lower.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/['’]/g, '').split(/[^\p{L}\p{N}]+/u)) add(w);
  return out;
}

interface Entry {
  file: RuleFile;
  tokens: string[];
}

export const duplicateTrigger: Rule<z.infer<typeof options>> = {
  id: 'duplicate-trigger',
  summary: 'two scenario trainings with the same or nearly the same trigger phrase for a common audience',
  options,
  check(files, opts, ctx) {
    const entries: Entry[] = files
      .filter((f) => f.training.fields.type === 'SCENARIO_SPECIFIC' && !f.training.fields.draft)
      .map((file) => ({ file, tokens: phraseTokens(file.training.fields.title) }));
    // Rarest words first: a prefix of rare words is enough to find every pair over the threshold
    // (prefix filtering), and the buckets of rare words stay small. Linear for real phrase sets.
    const freq = new Map<string, number>();
    for (const e of entries) for (const t of e.tokens) freq.set(t, (freq.get(t) ?? 0) + 1);
    const byRarity = (a: string, b: string) => (freq.get(a) as number) - (freq.get(b) as number) || (a < b ? -1 : a > b ? 1 : 0);

    const findings: Finding[] = [];
    // Phrases with no meaningful word ("How do I?") can only be identical: matched by their text.
    const wordless = new Map<string, Entry[]>();
    const index = new Map<string, Entry[]>();
    for (const e of entries) {
      let twin: Entry | undefined;
      let best: { other: Entry; score: number } | undefined;
      const title = e.file.training.fields.title;
      if (e.tokens.length === 0) {
        const key = exactKey(title);
        const list = wordless.get(key);
        twin = list?.find((o) => shared(o.file, e.file));
        if (list) list.push(e);
        else wordless.set(key, [e]);
      } else if (e.tokens.length > 1) e.tokens.sort(byRarity);
      // A word no other phrase has can pair with nothing: it is neither looked up nor indexed.
      const prefix = e.tokens.slice(0, e.tokens.length - Math.ceil(opts.threshold * e.tokens.length) + 1).filter((t) => (freq.get(t) as number) > 1);
      // Most phrases share their rarest word with no earlier phrase: nothing to compare.
      if (prefix.some((t) => index.has(t))) {
        const seen = new Set<Entry>();
        outer: for (const t of prefix) {
          for (const o of index.get(t) ?? []) {
            if (seen.has(o)) continue;
            seen.add(o);
            if (seen.size > MAX_CANDIDATES) break outer;
            const score = jaccard(e.tokens, o.tokens);
            if (score < opts.threshold || !shared(o.file, e.file)) continue;
            // An identical phrase (same words in the same order, case and spacing aside) wins.
            if (score === 1 && exactKey(o.file.training.fields.title) === exactKey(title)) {
              twin = o;
              break outer;
            }
            if (!best || score > best.score) best = { other: o, score };
          }
        }
      }
      if (twin) findings.push(finding(e, twin, 'error', `same trigger phrase as ${twin.file.displayPath}`, ctx));
      else if (best) {
        const pct = Math.floor(best.score * 100);
        findings.push(finding(e, best.other, 'warning', `trigger phrase nearly the same as "${best.other.file.training.fields.title}" in ${best.other.file.displayPath} (${pct}% of the meaningful words in common)`, ctx));
      }
      for (const t of prefix) {
        const list = index.get(t);
        if (list) list.push(e);
        else index.set(t, [e]);
      }
    }
    return findings;
  },
};

function shared(a: RuleFile, b: RuleFile): boolean {
  const x = a.training.fields;
  const y = b.training.fields;
  return overlap(x.channels, y.channels) !== undefined && overlap(x.segments, y.segments) !== undefined;
}

function jaccard(a: string[], b: string[]): number {
  const set = new Set(a);
  let common = 0;
  for (const t of b) if (set.has(t)) common++;
  return common / (a.length + b.length - common);
}

function finding(e: Entry, other: Entry, severity: 'error' | 'warning', what: string, ctx: RuleContext): Finding {
  const x = e.file.training.fields;
  const y = other.file.training.fields;
  const channels = channelList(overlap(x.channels, y.channels) ?? []);
  const segs = overlap(x.segments, y.segments) ?? [];
  const who = segs.length ? ` for segment ${segs.map((s) => `"${segmentLabel(s, ctx.segmentNames)}"`).join(', ')}` : '';
  return {
    file: e.file.displayPath,
    ...titlePosition(e.file, 0),
    severity,
    message: `${what}, and both reach ${channels}${who}: the AI cannot tell them apart; merge them, reword one, or give them different channels or segments`,
  };
}
