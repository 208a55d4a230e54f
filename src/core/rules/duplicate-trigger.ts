// duplicate-trigger: two scenario trainings with the same (or nearly the same) trigger phrase that
// reach a common audience. The AI cannot tell them apart and may answer either way.
import { z } from 'zod';
import { channelList, overlap, segmentLabel, shares, titlePosition } from './text.js';
import { sortShort } from '../sort-short.js';
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
        addToken(out, w.includes("'") ? w.replace(/'/g, '') : w);
        start = -1;
      }
    }
    return out;
  }
  for (const w of lower.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/['’]/g, '').split(/[^\p{L}\p{N}]+/u)) addToken(out, w);
  return out;
}

/** A word of a phrase, once, unless it is a stop word. A function, not a closure made per phrase. */
function addToken(out: string[], w: string): void {
  if (w && !STOP_WORDS.has(w) && !out.includes(w)) out.push(w);
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
    const entries = scenarioEntries(files);
    // Rarest words first: a prefix of rare words is enough to find every pair over the threshold
    // (prefix filtering), and the buckets of rare words stay small. Linear for real phrase sets.
    const freq = wordCounts(entries);
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
      } else if (e.tokens.length > 1) sortShort(e.tokens, byRarity);
      const prefix = indexPrefix(e.tokens, opts.threshold, freq);
      // Most phrases share their rarest word with no earlier phrase: nothing to compare.
      if (anyIndexed(prefix, index)) {
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

/**
 * The published scenario trainings with the meaningful words of their phrases. Loops rather than
 * filter and map: this runs over every file, and a cold run interprets it (no array in between).
 */
function scenarioEntries(files: readonly RuleFile[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as RuleFile;
    const f = file.training.fields;
    if (f.type === 'SCENARIO_SPECIFIC' && !f.draft) entries.push({ file, tokens: phraseTokens(f.title) });
  }
  return entries;
}

/** How many phrases have each word. */
function wordCounts(entries: readonly Entry[]): Map<string, number> {
  const freq = new Map<string, number>();
  for (let i = 0; i < entries.length; i++) {
    const tokens = (entries[i] as Entry).tokens;
    for (let j = 0; j < tokens.length; j++) {
      const t = tokens[j] as string;
      freq.set(t, (freq.get(t) ?? 0) + 1);
    }
  }
  return freq;
}

const NO_WORDS: readonly string[] = [];

/**
 * The words of a phrase (rarest first) a match over the threshold must share with it: its index
 * keys. A word no other phrase has can pair with nothing: it is neither looked up nor indexed. Most
 * phrases have none left, and get no list of their own.
 */
function indexPrefix(tokens: readonly string[], threshold: number, freq: ReadonlyMap<string, number>): readonly string[] {
  const n = Math.min(tokens.length, tokens.length - Math.ceil(threshold * tokens.length) + 1);
  let prefix: string[] | undefined;
  for (let i = 0; i < n; i++) {
    const t = tokens[i] as string;
    if ((freq.get(t) as number) > 1) (prefix ??= []).push(t);
  }
  return prefix ?? NO_WORDS;
}

function anyIndexed(words: readonly string[], index: ReadonlyMap<string, unknown>): boolean {
  for (let i = 0; i < words.length; i++) if (index.has(words[i] as string)) return true;
  return false;
}

function shared(a: RuleFile, b: RuleFile): boolean {
  const x = a.training.fields;
  const y = b.training.fields;
  return shares(x.channels, y.channels) && shares(x.segments, y.segments);
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
