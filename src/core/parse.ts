// File text -> Training, or every issue in the file. Pure: the caller reads the file.
import matter from 'gray-matter';
import jsyaml from 'js-yaml';
import { closest, distance } from 'fastest-levenshtein';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { Issue } from './issue.js';
import {
  FRONT_MATTER_ALIASES,
  FRONT_MATTER_KEYS,
  frontMatterSchema,
  type Channel,
  type FrontMatter,
  type Training,
} from './training.js';

export interface SourceFile {
  /** POSIX path relative to the trainings folder: the default key comes from it. */
  path: string;
  /** Path shown to people in messages (relative to where they ran the tool). */
  displayPath: string;
  text: string;
}

/** Names people may use in front-matter instead of opaque ids, from the config file. */
export interface NameMaps {
  directories: Record<string, string>;
  segments: Record<string, string>;
}

export type ParseResult =
  | { kind: 'training'; training: Training; issues: Issue[]; positions?: TextPositions }
  | { kind: 'skipped'; key: string; path: string }
  | { kind: 'invalid'; issues: Issue[] };

/**
 * Where the title and content sit in the file, so content checks can point at a line. Content line k
 * is file line `bodyLine + leading + k`, plus one from `heading` on (the title line taken out of it).
 */
export interface TextPositions {
  title: { line: number; col: number };
  bodyLine: number;
  /** Blank lines trimmed from the top of the body. */
  leading: number;
  /** Line of the "# Title" heading within the body (0-based) when it became the title. */
  heading?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Engines that run code from the file are refused; only YAML front-matter is accepted. */
function refuse(language: string) {
  return () => {
    throw new FrontMatterLanguageError(language);
  };
}
class FrontMatterLanguageError extends Error {
  constructor(readonly language: string) {
    super(`front-matter language "${language}" is not allowed: use YAML between "---" lines`);
  }
}

/** An ignored file is left alone like one with `sync: false`: its key still counts, so it is never pruned. */
export function asSkipped(r: ParseResult, path: string): ParseResult {
  if (r.kind === 'skipped') return r;
  return { kind: 'skipped', key: r.kind === 'training' ? r.training.key : defaultKey(path), path };
}

export function defaultKey(path: string): string {
  return path.replace(/\.md$/i, '');
}

export function parseTrainingFile(file: SourceFile, names: NameMaps): ParseResult {
  const text = file.text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const issues: Issue[] = [];
  const at = (line: number, col: number, message: string, severity: Issue['severity'] = 'error') =>
    issues.push({ file: file.displayPath, line, col, message, severity });

  // gray-matter splits the file; we parse the YAML ourselves (its engines would run code for ---js).
  let yamlText: string | undefined;
  let split: { content: string; matter: string };
  try {
    const parsed = matter(text, {
      engines: {
        yaml: (src: string) => {
          yamlText = src;
          return {};
        },
        javascript: refuse('javascript'),
        js: refuse('js'),
        coffee: refuse('coffee'),
        json: refuse('json'),
      },
    } as unknown as Parameters<typeof matter>[1]);
    split = { content: parsed.content, matter: parsed.matter };
  } catch (err) {
    const message =
      err instanceof FrontMatterLanguageError
        ? err.message
        : `front-matter could not be read (${(err as Error).message}): use YAML between "---" lines`;
    at(1, 1, message);
    return { kind: 'invalid', issues };
  }

  // Positions come from `yaml`'s document, built only when there is something to point at: the fast
  // path (js-yaml with the YAML 1.2 core schema, then the schema check) covers valid files.
  const lineCounter = new LineCounter();
  let doc: Document | undefined;
  const docOf = () => (doc ??= parseDocument(yamlText ?? '', { lineCounter, prettyErrors: false, uniqueKeys: true }));
  const matterLine = lineOf(text, split.matter ? text.indexOf(split.matter, 3) : 0);
  const pos = (offset: number | undefined): [number, number] => {
    if (offset === undefined) return [1, 1];
    const p = lineCounter.linePos(offset);
    return [matterLine + p.line - 1, p.col];
  };
  const locate = (path: readonly PropertyKey[], target?: 'key') =>
    yamlText === undefined ? pos(undefined) : pos(offsetOf(docOf(), path, target));

  let fm: FrontMatter = {};
  const fast = yamlText === undefined ? { success: true as const, data: {} } : quickFrontMatter(yamlText);
  if (fast?.success) fm = fast.data;
  else {
    const d = docOf();
    for (const e of d.errors) {
      const [line, col] = pos(e.pos[0]);
      at(line, col, `YAML: ${firstLine(e.message)}`);
    }
    if (d.errors.length > 0) return { kind: 'invalid', issues };
    if (!isMap(d.contents) && d.contents !== null) {
      const [line, col] = pos(d.contents.range?.[0]);
      at(line, col, 'front-matter must be a mapping of keys (title:, type:, draft: ...)');
      return { kind: 'invalid', issues };
    }
    const data = (d.contents === null ? {} : d.toJS({ maxAliasCount: 50 })) as Record<string, unknown>;
    const result = frontMatterSchema.safeParse(data);
    if (result.success) fm = result.data;
    for (const zi of result.error?.issues ?? []) {
      for (const { path, message, target } of describeSchemaIssue(zi, data)) {
        const [line, col] = locate(path, target);
        at(line, col, message);
      }
    }
  }
  const schemaOk = issues.length === 0;

  const key = fm.key ?? defaultKey(file.path);
  if (fm.sync === false && issues.length === 0) return { kind: 'skipped', key, path: file.path };

  const bodyLine = lineOf(text, text.length - split.content.length);
  let body = split.content;
  let title = fm.title;
  let titleAt = titleLine(yamlText, matterLine);
  let headingLine: number | undefined;
  if (title === undefined) {
    const heading = findHeading(body);
    if (heading) {
      title = heading.text;
      headingLine = lineOf(body, heading.start) - 1;
      titleAt = { line: bodyLine + headingLine, col: body.indexOf(heading.text, heading.start) - heading.start + 1 };
      body = body.slice(0, heading.start) + body.slice(heading.end);
    } else if (schemaOk) {
      at(1, 1, 'no title: add "title: <trigger phrase>" to the front-matter or start the body with "# <title>"');
    }
  }
  const content = trimBlankLines(body);
  if (content === '') at(bodyLine, 1, 'the body is empty: below the front-matter, write how the AI should answer');

  const directory = fm.directory == null ? null : resolveDirectory(fm.directory, names.directories);
  if (directory && 'error' in directory) {
    const [line, col] = locate(['directory']);
    at(line, col, directory.error);
  }
  const segments: string[] = [];
  (fm.segments ?? []).forEach((s, i) => {
    const r = resolveSegment(s, names.segments);
    if ('error' in r) {
      const [line, col] = locate(['segments', i]);
      at(line, col, r.error);
    } else segments.push(r.id);
  });
  warnDuplicates(fm.channels ?? [], 'channels', locate, at);
  warnDuplicates(segments, 'segments', locate, at);

  if (issues.some((i) => i.severity === 'error') || title === undefined) return { kind: 'invalid', issues };
  const leading = lineOf(body, body.length - body.replace(/^(?:[ \t]*\n)+/, '').length) - 1;
  return {
    kind: 'training',
    issues,
    positions: { title: titleAt, bodyLine, leading, ...(headingLine === undefined ? {} : { heading: headingLine }) },
    training: {
      key,
      path: file.path,
      fields: {
        title: title.trim(),
        content,
        type: fm.type ?? 'SCENARIO_SPECIFIC',
        draft: fm.draft ?? false,
        directory: directory && 'id' in directory ? directory.id : null,
        channels: [...new Set<Channel>(fm.channels ?? [])].sort(),
        segments: [...new Set(segments)].sort(),
      },
    },
  };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Position of the `title:` value, found with a cheap scan (the YAML document is built only for errors). */
function titleLine(yamlText: string | undefined, matterLine: number): { line: number; col: number } {
  const m = yamlText === undefined ? null : /^title[ \t]*:[ \t]*/m.exec(yamlText);
  if (!m || yamlText === undefined) return { line: 1, col: 1 };
  return { line: matterLine + lineOf(yamlText, m.index) - 1, col: m[0].length + 1 };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Offset of the node at `path`, or of the nearest parent that exists. Unknown keys point at the key. */
function offsetOf(doc: Document, path: readonly PropertyKey[], target: 'key' | 'value' = 'value'): number | undefined {
  for (let p = [...path]; ; p = p.slice(0, -1)) {
    if (p.length === 0) return doc.contents?.range?.[0];
    if (p.length === 1 && isMap(doc.contents)) {
      const pair = doc.contents.items.find((it) => isScalar(it.key) && it.key.value === p[0]);
      if (!pair || !isScalar(pair.key)) continue;
      const wantValue = target === 'value' && pair.value !== null && p.length === path.length;
      return wantValue ? nodeStart(pair.value) : pair.key.range?.[0];
    }
    const node = doc.getIn(p as unknown[], true);
    if (node && typeof node === 'object' && 'range' in node) return nodeStart(node);
  }
}

function nodeStart(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] }).range?.[0];
}

/** Turns a schema issue into messages that say what is wrong and what to write instead. */
function describeSchemaIssue(
  zi: z.core.$ZodIssue,
  data: Record<string, unknown>,
): { path: PropertyKey[]; message: string; target?: 'key' }[] {
  const path = zi.path as PropertyKey[];
  const field = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('');
  const value = path.reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown> | undefined)?.[p], data);
  switch (zi.code) {
    case 'unrecognized_keys':
      return zi.keys.map((k) => ({ path: [k], target: 'key' as const, message: `unknown key "${k}"${suggestKey(k)}` }));
    case 'invalid_value': {
      const allowed = zi.values.map(String);
      const near = typeof value === 'string' ? closest(value, allowed) : undefined;
      const d = near === undefined ? Infinity : distance(String(value), near);
      const hint = d <= 2 && d < String(value).length / 2 ? `did you mean "${near}"? ` : '';
      return [{ path, message: `${field}: "${String(value)}" is not allowed; ${hint}use one of: ${allowed.join(', ')}` }];
    }
    case 'invalid_type': {
      const words: Record<string, string> = { boolean: 'true or false', array: 'a list, e.g. [web, email]', string: 'text' };
      const want = words[zi.expected] ?? zi.expected;
      const got = Array.isArray(value) ? 'a list' : value === null ? 'empty' : typeof value;
      return [{ path, message: `${field} must be ${want}, not ${got}` }];
    }
    case 'too_small':
      return [{ path, message: `${field} must not be empty` }];
    default:
      return [{ path, message: `${field}: ${zi.message}` }];
  }
}

function suggestKey(k: string): string {
  const alias = FRONT_MATTER_ALIASES[k.toLowerCase()];
  const near = alias ?? closest(k, FRONT_MATTER_KEYS);
  if (alias || distance(k, near) <= 2) return `: did you mean "${near}"?`;
  return `: allowed keys are ${FRONT_MATTER_KEYS.join(', ')}`;
}

/** First "# Heading" outside fenced code: the title when front-matter has none. */
function findHeading(body: string): { text: string; start: number; end: number } | undefined {
  let fence: string | undefined;
  let start = 0;
  for (const line of body.split('\n')) {
    const end = start + line.length + 1;
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (f && (!fence || f.startsWith(fence))) fence = fence ? undefined : f.slice(0, 3);
    else if (!fence) {
      const m = /^\s{0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
      if (m?.[1]) return { text: m[1], start, end: Math.min(end, body.length) };
    }
    start = end;
  }
  return undefined;
}

function trimBlankLines(s: string): string {
  return s.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}

type Resolved = { id: string } | { error: string };

function resolveDirectory(value: string, map: Record<string, string>): Resolved {
  if (Object.hasOwn(map, value)) return { id: map[value] as string };
  const names = Object.keys(map);
  if (names.length === 0 || Object.values(map).includes(value)) return { id: value };
  return {
    error: `unknown directory "${value}": use one of ${names.map((n) => `"${n}"`).join(', ')} or add it to "directories" in the config file`,
  };
}

function resolveSegment(value: string, map: Record<string, string>): Resolved {
  if (Object.hasOwn(map, value)) return { id: map[value] as string };
  if (UUID.test(value)) return { id: value };
  const names = Object.keys(map);
  const known = names.length ? `one of ${names.map((n) => `"${n}"`).join(', ')}` : 'a name listed under "segments" in the config file';
  return { error: `unknown segment "${value}": use a segment id (UUID) or ${known}` };
}

function warnDuplicates(
  values: string[],
  field: string,
  locate: (path: readonly PropertyKey[]) => [number, number],
  at: (line: number, col: number, message: string, severity?: Issue['severity']) => void,
) {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) {
      const [line, col] = locate([field, i]);
      at(line, col, `${field}: "${v}" is listed twice`, 'warning');
    }
    seen.add(v);
  });
}

/**
 * The fast path: js-yaml with the YAML 1.2 core schema (no timestamps, no merge keys, so it reads
 * plain front-matter as `yaml` does). Undefined on anything unusual, which then takes the slow path.
 */
function quickFrontMatter(src: string): ReturnType<typeof frontMatterSchema.safeParse> | undefined {
  let data: unknown;
  try {
    data = jsyaml.load(src, { schema: jsyaml.CORE_SCHEMA }) ?? {};
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  return frontMatterSchema.safeParse(data);
}
