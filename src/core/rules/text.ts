// Text helpers shared by the content checks: positions in the file, code masked out, audiences.
import type { RuleFile } from './types.js';

/** Line and column in the file of a character of the content. */
export function contentPosition(file: RuleFile, index: number): { line: number; col: number } {
  const content = file.training.fields.content;
  let k = 0;
  let lineStart = 0;
  for (let i = content.indexOf('\n'); i !== -1 && i < index; i = content.indexOf('\n', i + 1)) {
    k++;
    lineStart = i + 1;
  }
  const p = file.positions;
  if (!p) return { line: k + 1, col: index - lineStart + 1 };
  const inBody = p.leading + k;
  const line = p.bodyLine + inBody + (p.heading !== undefined && inBody >= p.heading ? 1 : 0);
  return { line, col: index - lineStart + 1 };
}

/** Line and column of a character of the title (the title's own line: front-matter or heading). */
export function titlePosition(file: RuleFile, index: number): { line: number; col: number } {
  const t = file.positions?.title ?? { line: 1, col: 1 };
  return { line: t.line, col: t.col + index };
}

/** Might the content hold code (a backtick or a "~~~" fence)? Without, there is nothing to mask. */
export function hasCode(content: string): boolean {
  return content.includes('`') || content.includes('~~~');
}

/**
 * The content with code (fenced blocks and `inline code`) replaced by spaces, same length and lines,
 * so checks for prose do not fire on examples; and where each fenced block starts.
 */
export function maskCode(content: string): { text: string; fences: number[] } {
  if (!hasCode(content)) return { text: content, fences: [] };
  const fences: number[] = [];
  const out: string[] = [];
  let fence: string | undefined;
  let start = 0;
  for (const line of content.split('\n')) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (f && (!fence || (f[0] === fence[0] && f.length >= fence.length))) {
      if (!fence) fences.push(start);
      fence = fence ? undefined : f;
      out.push(blank(line));
    } else if (fence) out.push(blank(line));
    else out.push(line.replace(/(`+)[^`]*?\1/g, blank));
    start += line.length + 1;
  }
  return { text: out.join('\n'), fences };
}

/** maskCode's text alone: the content itself, with no object around it, when it has no code (most do). */
export function maskedText(content: string): string {
  return hasCode(content) ? maskCode(content).text : content;
}

function blank(s: string): string {
  return ' '.repeat(s.length);
}

/** Do two restrictions share a value (empty = all)? `overlap(a, b) !== undefined`, with no list built. */
export function shares<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  for (let i = 0; i < a.length; i++) if (b.includes(a[i] as T)) return true;
  return false;
}

/** Values two restrictions have in common: undefined when they share none (empty = all). */
export function overlap<T>(a: readonly T[], b: readonly T[]): T[] | undefined {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const common = a.filter((x) => b.includes(x));
  return common.length ? common : undefined;
}

export function channelList(channels: readonly string[]): string {
  return channels.length ? channels.join(', ') : 'all channels';
}

export function segmentLabel(id: string, names: ReadonlyMap<string, string> | undefined): string {
  return names?.get(id) ?? id;
}

/** 12,345. By hand: toLocaleString loads ICU data on first use, which costs more than all the checks. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
