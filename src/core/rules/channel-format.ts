// channel-format: Markdown tables, images, links and code blocks in a training that reaches a voice
// channel or SMS, where they are read aloud symbol by symbol or arrive as raw text; and content too
// long for those channels.
import { z } from 'zod';
import { CHANNELS, type Channel } from '../training.js';
import { contentPosition, formatCount, hasCode, maskCode, overlap, shares } from './text.js';
import type { Finding, Rule } from './types.js';

const options = z.strictObject({
  /** Channels with no Markdown: read aloud, or sent as plain text. */
  channels: z.array(z.enum(CHANNELS)).default(['phone_voice', 'web_voice', 'sms']),
  /** Longest content, in characters, for those channels: about a minute of speech. */
  maxLength: z.number().int().positive().default(1_000),
});

const TABLE_DELIMITER = /^ {0,3}\|? *:?-{3,}:? *(?:\| *:?-{3,}:? *)+\|? *$|^ {0,3}\| *:?-{3,}:? *\|? *$/m;
const IMAGE = /!\[[^\]\n]*\]\([^)\n]*\)/;
const LINK = /(?<!!)\[[^\]\n]+\]\([^)\n]+\)/;
const URL = /<?\bhttps?:\/\/[^\s<>)\]]+>?|\bwww\.[a-z0-9-]+\.[a-z]{2,}[^\s<>)\]]*/i;

export const channelFormat: Rule<z.infer<typeof options>> = {
  id: 'channel-format',
  summary: 'tables, images, links, code blocks or long content in a training for voice or SMS',
  options,
  check(files, opts) {
    const findings: Finding[] = [];
    for (const file of files) {
      const f = file.training.fields;
      if (f.draft || !shares(f.channels, opts.channels)) continue;
      const problems = formatProblems(f.content, opts);
      if (problems.length === 0) continue;
      // Worded only for the few trainings with something to report.
      const hit = overlap(f.channels, opts.channels) as Channel[];
      const where = f.channels.length ? hit.join(', ') : `every channel (it lists no channels:), ${opts.channels.join(', ')} included`;
      const fix = f.channels.length ? `or take ${hit.join(', ')} out of its "channels"` : 'or list the channels it is for in "channels"';
      for (const p of problems) {
        findings.push({ file: file.displayPath, ...contentPosition(file, p.index), message: `${p.what} in a training that reaches ${where}: ${p.hint}, ${fix}` });
      }
    }
    return findings;
  },
};

interface Problem {
  index: number;
  what: string;
  hint: string;
}

const NO_PROBLEMS: readonly Problem[] = [];

/** What reads badly aloud or as plain text in a content, in the order reported; most contents have none. */
function formatProblems(content: string, opts: z.infer<typeof options>): readonly Problem[] {
  let out: Problem[] | undefined;
  const masked = hasCode(content) ? maskCode(content) : undefined;
  const text = masked?.text ?? content;
  const first = masked?.fences[0];
  if (first !== undefined) (out ??= []).push({ index: first, what: 'a code block', hint: 'describe what to do in words' });
  const table = text.includes('-') && text.includes('|') ? TABLE_DELIMITER.exec(text) : null;
  if (table) (out ??= []).push({ index: Math.max(0, text.lastIndexOf('\n', table.index - 2) + 1), what: 'a Markdown table', hint: 'write the rows as sentences' });
  if (text.includes('](')) {
    const image = IMAGE.exec(text);
    if (image) (out ??= []).push({ index: image.index, what: 'an image', hint: 'describe it in words' });
    const link = LINK.exec(text);
    if (link) (out ??= []).push({ index: link.index, what: 'a Markdown link', hint: 'say where to go in words (e.g. "Settings, then Billing")' });
  }
  if (text.includes('://') || text.includes('www.')) {
    // Bare URLs outside Markdown links and images: those are reported above.
    const url = URL.exec(text.replace(/!?\[[^\]\n]*\]\([^)\n]*\)/g, (s) => ' '.repeat(s.length)));
    if (url) (out ??= []).push({ index: url.index, what: 'a raw link', hint: 'say the address in words, or send it by a text channel' });
  }
  if (content.length > opts.maxLength) {
    const what = `${formatCount(content.length)} characters of content, over the limit of ${formatCount(opts.maxLength)} for ${opts.channels.join(', ')},`;
    (out ??= []).push({ index: 0, what, hint: 'shorten it or split it by channel' });
  }
  return out ?? NO_PROBLEMS;
}
