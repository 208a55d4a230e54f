// relative-link: a link in a training to a path of the repository that does not exist. The AI would
// hand customers a dead link. The caller checks which paths exist (the core reads no files).
import path from 'node:path';
import { z } from 'zod';
import { contentPosition, maskedText } from './text.js';
import type { Finding, Rule, RuleFile } from './types.js';

const options = z.strictObject({});

const LINK = /!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)|^ {0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)/gm;

interface Link {
  index: number;
  target: string;
  /** Repository path it points at (relative to the working directory), or null when outside it. */
  resolved: string | null;
}

const NO_LINKS: readonly Link[] = [];

/** Relative links of one training, resolved against the file's folder. */
export function relativeLinks(file: RuleFile): readonly Link[] {
  const text = maskedText(file.training.fields.content);
  // Most trainings have no link: one shared empty list, not a new one per file (this runs twice per file).
  if (!text.includes('](') && !text.includes(']:')) return NO_LINKS;
  const out: Link[] = [];
  for (const m of text.matchAll(LINK)) {
    const target = m[1] ?? m[2];
    if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) continue;
    let p = target.replace(/[#?].*$/, '');
    if (p === '') continue;
    try {
      p = decodeURI(p);
    } catch {
      // Left as written: a malformed escape is looked up literally.
    }
    const joined = p.startsWith('/') ? path.posix.normalize(p.slice(1)) : path.posix.join(path.posix.dirname(file.displayPath), p);
    const resolved = joined === '..' || joined.startsWith('../') ? null : joined.replace(/\/$/, '') || '.';
    out.push({ index: m.index, target, resolved });
  }
  return out;
}

/** Every repository path the trainings link to: the caller checks which exist. */
export function linkTargets(files: readonly RuleFile[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) for (const l of relativeLinks(f)) if (l.resolved !== null) out.add(l.resolved);
  return out;
}

export const relativeLink: Rule<z.infer<typeof options>> = {
  id: 'relative-link',
  summary: 'a relative link to a path that is not in the repository',
  options,
  check(files, _opts, ctx) {
    const existing = ctx.existingPaths;
    if (!existing) return [];
    const findings: Finding[] = [];
    for (const file of files) {
      for (const l of relativeLinks(file)) {
        if (l.resolved !== null && existing.has(l.resolved)) continue;
        const why = l.resolved === null ? 'points outside the repository' : `points at ${l.resolved}, which is not in the repository`;
        findings.push({
          file: file.displayPath,
          ...contentPosition(file, l.index),
          message: `link "${l.target}" ${why}: fix the path (it is relative to this file's folder), or use a full https:// address customers can open`,
        });
      }
    }
    return findings;
  },
};
