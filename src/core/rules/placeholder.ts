// placeholder: TODO, TBD, FIXME, lorem ipsum, and unfilled {{ }} or <...> placeholders that would go
// live as they are. Drafts are left alone: they are where unfinished text belongs.
import { z } from 'zod';
import { contentPosition, maskedText, titlePosition } from './text.js';
import type { Finding, Rule, RuleFile } from './types.js';

const options = z.strictObject({
  /** Extra words that mark unfinished text (matched as whole words, case-sensitive), e.g. "XXX". */
  words: z.array(z.string().min(1)).default([]),
});

/** HTML elements: `<br>` or `<details>` is markup, `<customer name>` is a placeholder. */
const HTML = new Set(
  ('a abbr address article aside b blockquote br caption cite code col colgroup dd del details dfn div dl dt em ' +
    'figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li mark ol p picture pre q s samp section ' +
    'small source span strong sub summary sup table tbody td tfoot th thead time tr u ul var video audio wbr').split(' '),
);

export const placeholder: Rule<z.infer<typeof options>> = {
  id: 'placeholder',
  summary: 'TODO, TBD, FIXME, lorem ipsum or an unfilled {{ }} / <...> placeholder',
  options,
  check(files, opts) {
    const words = ['TODO', 'TBD', 'FIXME', ...opts.words].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const pattern = new RegExp(String.raw`(?<word>(?<![\w-])(?:${words.join('|')})(?![\w-]))|(?<lorem>\blorem ipsum\b)|(?<braces>\{\{[^{}\n]*\}\})|(?<angle><[^<>\n]{1,80}>)`, 'gi');
    const exactWords = new Set(['TODO', 'TBD', 'FIXME', ...opts.words]);
    // A cheap first look (what the pattern needs, case-sensitively): a few substring searches cost less than one alternation.
    const needles = ['<', '{{', 'Lorem', 'lorem', 'TODO', 'TBD', 'FIXME', ...opts.words];
    const findings: Finding[] = [];
    for (const file of files) {
      const f = file.training.fields;
      if (f.draft) continue;
      check(file, f.title, 'title');
      check(file, maskedText(f.content), 'content');
    }
    return findings;

    function check(file: RuleFile, text: string, where: 'title' | 'content') {
      if (!includesAny(text, needles)) return;
      for (const m of text.matchAll(pattern)) {
        const g = m.groups ?? {};
        let what: string | undefined;
        if (g.word && exactWords.has(g.word)) what = `"${g.word}" marks unfinished text`;
        else if (g.lorem) what = '"lorem ipsum" is filler text';
        else if (g.braces) what = `${g.braces} is an unfilled placeholder`;
        else if (g.angle && isPlaceholder(g.angle)) what = `${g.angle} looks like an unfilled placeholder`;
        if (!what) continue;
        const at = where === 'title' ? titlePosition(file, m.index) : contentPosition(file, m.index);
        findings.push({ file: file.displayPath, ...at, message: `${what}: write the real text before it goes live, or set draft: true until then` });
      }
    }
  },
};

/** Does the text contain any of the needles? A loop, not `some` with a closure made per text. */
function includesAny(text: string, needles: readonly string[]): boolean {
  for (let i = 0; i < needles.length; i++) if (text.includes(needles[i] as string)) return true;
  return false;
}

/** `<...>` that is neither an autolink (<https://x>, <a@b.c>), an HTML tag nor an HTML comment. */
export function isPlaceholder(s: string): boolean {
  const inner = s.slice(1, -1).trim();
  if (/^[a-z][a-z0-9+.-]*:\S*$/i.test(inner)) return false; // URI autolink
  if (/^[^\s@<>]+@[^\s@<>]+$/.test(inner)) return false; // e-mail autolink
  if (inner.startsWith('!--') || inner.startsWith('!')) return false;
  const tag = /^\/?([a-z][a-z0-9]*)(?:\s[^<>]*)?\/?$/i.exec(inner);
  if (tag && HTML.has((tag[1] as string).toLowerCase())) return false;
  return /^[A-Za-z_.…]/.test(inner);
}
