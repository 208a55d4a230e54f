// channel-format: Markdown tables, images, links and code blocks in a training that reaches a voice
// channel or SMS, where they are read aloud symbol by symbol or arrive as raw text; and content too
// long for those channels.
import { z } from 'zod';
import { CHANNELS } from '../training.js';
import { contentPosition, formatCount, maskCode, overlap } from './text.js';
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
      if (f.draft) continue;
      const hit = overlap(f.channels, opts.channels);
      if (!hit) continue;
      const where = f.channels.length ? hit.join(', ') : `every channel (it lists no channels:), ${opts.channels.join(', ')} included`;
      const fix = f.channels.length ? `or take ${hit.join(', ')} out of its "channels"` : 'or list the channels it is for in "channels"';
      const push = (index: number, what: string, hint: string) =>
        findings.push({ file: file.displayPath, ...contentPosition(file, index), message: `${what} in a training that reaches ${where}: ${hint}, ${fix}` });

      const { text, fences } = maskCode(f.content);
      const first = fences[0];
      if (first !== undefined) push(first, 'a code block', 'describe what to do in words');
      const table = text.includes('-') && text.includes('|') ? TABLE_DELIMITER.exec(text) : null;
      if (table) push(Math.max(0, text.lastIndexOf('\n', table.index - 2) + 1), 'a Markdown table', 'write the rows as sentences');
      if (text.includes('](')) {
        const image = IMAGE.exec(text);
        if (image) push(image.index, 'an image', 'describe it in words');
        const link = LINK.exec(text);
        if (link) push(link.index, 'a Markdown link', 'say where to go in words (e.g. "Settings, then Billing")');
      }
      if (text.includes('://') || text.includes('www.')) {
        // Bare URLs outside Markdown links and images: those are reported above.
        const url = URL.exec(text.replace(/!?\[[^\]\n]*\]\([^)\n]*\)/g, (s) => ' '.repeat(s.length)));
        if (url) push(url.index, 'a raw link', 'say the address in words, or send it by a text channel');
      }
      if (f.content.length > opts.maxLength) {
        push(0, `${formatCount(f.content.length)} characters of content, over the limit of ${formatCount(opts.maxLength)} for ${opts.channels.join(', ')},`, 'shorten it or split it by channel');
      }
    }
    return findings;
  },
};

