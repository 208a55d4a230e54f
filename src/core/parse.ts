// File text -> Training, or every issue in the file. Pure: the caller reads the file.
import { closest, distance } from 'fastest-levenshtein';
import type { Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { checkFrontMatterQuickly } from './front-matter-check.js';
import { readSimpleFrontMatter } from './front-matter-fast.js';
import type { Issue } from './issue.js';
import { resolveSegment, type SegmentLookup } from './segments.js';
import { SEGMENT_LOOKUP } from './rules/segment-lookup.js';
import { byCodeUnits, sortShort } from './sort-short.js';
import {
  FRONT_MATTER_ALIASES,
  FRONT_MATTER_KEYS,
  canonicalInstant,
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

/** Names people may use in front-matter instead of opaque ids, from the config file. Maps: any text is a name. */
export interface NameMaps {
  directories: ReadonlyMap<string, string>;
  segments: ReadonlyMap<string, string>;
  /** How segment names not in `segments` resolve (segments.ts); absent: 'offline', an error. */
  remoteSegments?: SegmentLookup;
}

export type ParseResult =
  /** `lookups`: segment names left for Open.cx's segment list to resolve (with `remoteSegments: 'deferred'`). */
  | { kind: 'training'; training: Training; issues: Issue[]; positions?: TextPositions; lookups?: string[] }
  | { kind: 'skipped'; key: string; path: string; id?: string }
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

/**
 * The YAML parsers the slow path needs (front-matter-yaml.ts has them): handed in, so this module loads
 * no YAML library and a run whose files all take the quick reader never loads one.
 */
export interface FullYaml {
  /** js-yaml with the YAML 1.2 core schema; throws on what it cannot read. */
  load(src: string): unknown;
  parseDocument: typeof parseDocument;
  LineCounter: typeof LineCounter;
  isMap: typeof isMap;
  isScalar: typeof isScalar;
}

/** Front-matter holds a few short keys; anything larger is a mistake, and parsing it must stay cheap. */
export const MAX_FRONT_MATTER_CHARS = 32 * 1024;
/** Top-level keys beyond which a front-matter is refused whole, before any per-key work. */
export const MAX_FRONT_MATTER_KEYS = 100;
/** Unknown keys named one by one; the rest are counted in one more line. */
const UNKNOWN_KEYS_SHOWN = 10;
/** YAML aliases expanded at most this often (an alias bomb expands to billions of nodes). */
const MAX_ALIAS_COUNT = 50;

/** An ignored file is left alone like one with `sync: false`: its key still counts, so it is never pruned. */
export function asSkipped(r: ParseResult, path: string): ParseResult {
  if (r.kind === 'skipped') return r;
  if (r.kind !== 'training') return { kind: 'skipped', key: defaultKey(path), path };
  return { kind: 'skipped', key: r.training.key, path, ...(r.training.id === undefined ? {} : { id: r.training.id }) };
}

export function defaultKey(path: string): string {
  return path.replace(/\.md$/i, '');
}

/**
 * One file, in phases a reader can follow: split the front-matter from the body, check the limits,
 * read the front-matter, then the title and content, then the names (directory, segments), and build
 * the fields. Each phase adds to the file's issues; a phase that cannot go on ends the file as invalid.
 */
export function parseTrainingFile(file: SourceFile, names: NameMaps, yaml: FullYaml): ParseResult {
  return parse(file, names, () => yaml);
}

/**
 * The same without the YAML parsers: undefined for a file that needs them (a front-matter the quick
 * reader leaves to them, or an issue to place in it), which parseTrainingFile then reads. Most files
 * need neither, so most runs never load the parsers.
 */
export function parseTrainingFileQuickly(file: SourceFile, names: NameMaps): ParseResult | undefined {
  try {
    return parse(file, names, needsFullYaml);
  } catch (err) {
    if (err === NEEDS_FULL_YAML) return undefined;
    throw err;
  }
}

const NEEDS_FULL_YAML = Symbol('needs the YAML parsers');
const needsFullYaml = (): never => {
  throw NEEDS_FULL_YAML;
};

function parse(file: SourceFile, names: NameMaps, yaml: () => FullYaml): ParseResult {
  const text = normalisedText(file.text);
  const split = splitFrontMatter(text);
  const ctx = new FileContext(file.displayPath, 'error' in split ? undefined : split, yaml);
  if ('error' in split) {
    ctx.at(split.line, 1, split.error);
    return ctx.invalid();
  }
  if (!withinLimits(text, split, ctx)) return ctx.invalid();
  const fm = readFrontMatter(ctx);
  if (fm === undefined) return ctx.invalid();
  const issues = ctx.issues;
  const schemaOk = issues.length === 0;

  const key = fm.key ?? defaultKey(file.path);
  // Its pinned id still counts: import must not write a second file for a training left alone.
  if (fm.sync === false && schemaOk) return fm.id === undefined ? { kind: 'skipped', key, path: file.path } : { kind: 'skipped', key, path: file.path, id: fm.id };
  const words = readTitleAndContent(text, split, fm, schemaOk, ctx);
  const refs = resolveNames(fm, names, ctx);
  if (hasError(issues) || words.title === undefined) return ctx.invalid();
  const training: Training = { key, path: file.path, fields: fieldsOf(fm, words.title, words.content, refs) };
  if (fm.id !== undefined) training.id = fm.id;
  // Built whole rather than spread: one object per file, of one shape, for every file of a run.
  return refs.lookups.length
    ? { kind: 'training', issues, positions: words.positions, lookups: refs.lookups, training }
    : { kind: 'training', issues, positions: words.positions, training };
}

/**
 * The text without a BOM, its line ends made "\n". Most files have neither, and a replace would still
 * scan (and a regex allocate), so each is looked for first.
 */
function normalisedText(raw: string): string {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function hasError(issues: readonly Issue[]): boolean {
  for (const i of issues) if (i.severity === 'error') return true;
  return false;
}

type FrontMatterSplit = Exclude<Split, { error: string }>;

/**
 * What the phases of one file share: where its issues go, and positions in its front-matter. One
 * object with methods rather than a bundle of closures: it is made for every file, and the positioned
 * YAML document behind `locate` is built only when there is something to point at (the fast path,
 * the simple reader or js-yaml then the quick schema check, covers valid files).
 */
class FileContext {
  readonly issues: Issue[] = [];
  readonly yamlText: string | undefined;
  private readonly yamlLine: number;
  private lineCounter: LineCounter | undefined;
  private doc: Document | undefined;

  constructor(
    private readonly file: string,
    split: FrontMatterSplit | undefined,
    readonly yaml: () => FullYaml,
  ) {
    this.yamlText = split?.yaml;
    this.yamlLine = split?.yamlLine ?? 1;
  }

  at(line: number, col: number, message: string, severity: Issue['severity'] = 'error', rule?: string): void {
    this.issues.push(rule ? { file: this.file, line, col, message, severity, rule } : { file: this.file, line, col, message, severity });
  }

  invalid(): ParseResult {
    return { kind: 'invalid', issues: this.issues };
  }

  /** `yaml`'s positioned document, built on first use. */
  docOf(): Document {
    if (this.doc) return this.doc;
    const y = this.yaml();
    this.lineCounter = new y.LineCounter();
    // uniqueKeys compares every pair of keys; duplicates are found below with a Map instead.
    return (this.doc = y.parseDocument(this.yamlText ?? '', { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: false }));
  }

  /** A file position from an offset in the YAML text. */
  pos(offset: number | undefined): [number, number] {
    if (offset === undefined) return [1, 1];
    // An offset comes from the document, so its line counter is there.
    const p = (this.lineCounter as LineCounter).linePos(offset);
    return [this.yamlLine + p.line - 1, p.col];
  }

  /** The file position of a front-matter value (or its key). */
  locate(path: readonly PropertyKey[], target?: 'key'): [number, number] {
    return this.yamlText === undefined ? this.pos(undefined) : this.pos(offsetOf(this.docOf(), this.yaml(), path, target));
  }
}

/** Size, key count and NUL checks, before any YAML parser sees the text. False: the file is refused. */
function withinLimits(text: string, split: FrontMatterSplit, ctx: FileContext): boolean {
  const yamlText = split.yaml;
  if (yamlText !== undefined && yamlText.length > MAX_FRONT_MATTER_CHARS) {
    const kb = (n: number) => Math.ceil(n / 1024);
    ctx.at(1, 1, `the front-matter is ${kb(yamlText.length)} KB, more than the ${kb(MAX_FRONT_MATTER_CHARS)} KB allowed: keep only its few keys (title:, type:, ...) there and put the text in the body`);
    return false;
  }
  const topLevelLines = yamlText === undefined ? 0 : countTopLevelLines(yamlText);
  if (topLevelLines > MAX_FRONT_MATTER_KEYS) {
    ctx.at(1, 1, tooManyKeys(topLevelLines));
    return false;
  }
  const nul = text.indexOf('\0');
  if (nul === -1) return true;
  const [line, col] = lineColOf(text, nul);
  if (nul < split.bodyStart) {
    ctx.at(line, col, 'the front-matter contains a NUL character: remove it (a NUL usually means a binary or badly encoded file)');
    return false;
  }
  ctx.at(line, col, 'the body contains a NUL character: remove it (a NUL usually means a binary or badly encoded file)');
  return true;
}

/**
 * Lines starting in column 1 (top-level keys), counted before any YAML parser sees the text. Each
 * needs a character and a line break after it, so a text of at most twice the limit cannot pass it:
 * the usual few-line front-matter is not searched at all.
 */
function countTopLevelLines(yamlText: string): number {
  // 0 below the bound: the count matters only past the limit.
  if (yamlText.length <= 2 * MAX_FRONT_MATTER_KEYS) return 0;
  return yamlText.match(/^[^\s#]/gm)?.length ?? 0;
}

/**
 * The front-matter as the schema reads it: the fast path for the usual valid file, else `yaml`'s
 * document with every error placed. Undefined: the YAML itself cannot be read (the issues say why);
 * a schema error leaves `{}` so the later phases still report what they can.
 */
function readFrontMatter(ctx: FileContext): FrontMatter | undefined {
  const { yamlText } = ctx;
  if (yamlText === undefined) return {};
  const fast = quickFrontMatter(yamlText, ctx.yaml);
  if (fast !== undefined && 'keys' in fast) {
    ctx.at(1, 1, tooManyKeys(fast.keys));
    return undefined;
  }
  if (fast !== undefined && fast.success) return fast.data;
  const data = readYamlData(ctx);
  if (data === undefined) return undefined;
  const result = frontMatterSchema.safeParse(data);
  for (const zi of result.error?.issues ?? []) {
    for (const { path, message, target } of describeSchemaIssue(zi, data)) {
      const [line, col] = ctx.locate(path, target);
      ctx.at(line, col, message);
    }
  }
  return result.success ? result.data : {};
}

/** The slow path's YAML: errors, a non-mapping, too many or repeated keys and alias bombs are issues. */
function readYamlData(ctx: FileContext): Record<string, unknown> | undefined {
  const d = ctx.docOf();
  const { isMap, isScalar } = ctx.yaml();
  for (const e of d.errors) {
    const [line, col] = ctx.pos(e.pos[0]);
    ctx.at(line, col, `YAML: ${firstLine(e.message)}`);
  }
  if (d.errors.length > 0) return undefined;
  if (!isMap(d.contents) && d.contents !== null) {
    const [line, col] = ctx.pos(d.contents.range?.[0]);
    ctx.at(line, col, 'front-matter must be a mapping of keys (title:, type:, draft: ...)');
    return undefined;
  }
  const items = isMap(d.contents) ? d.contents.items : [];
  if (items.length > MAX_FRONT_MATTER_KEYS) {
    ctx.at(1, 1, tooManyKeys(items.length));
    return undefined;
  }
  // Keys compared as the text they become (1 and "1" are one key once read).
  const firstLineOf = new Map<string, number>();
  let repeated = false;
  for (const { key } of items) {
    if (!isScalar(key)) continue;
    const name = String(key.value);
    const first = firstLineOf.get(name);
    const [line, col] = ctx.pos(nodeStart(key));
    if (first === undefined) firstLineOf.set(name, line);
    else {
      ctx.at(line, col, `YAML: key ${shown(name)} is already set on line ${first}: keep one of them`);
      repeated = true;
    }
  }
  if (repeated) return undefined;
  try {
    return (d.contents === null ? {} : d.toJS({ maxAliasCount: MAX_ALIAS_COUNT })) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    // yaml throws ReferenceError when aliases expand past maxAliasCount (an alias bomb).
    const [line, col] = ctx.pos(d.contents?.range?.[0]);
    ctx.at(line, col, `YAML: the aliases (*name) here expand to too many values: write the values out instead`);
    return undefined;
  }
}

/** The title (front-matter, else a first-line heading) and the content, with where they sit. */
function readTitleAndContent(
  text: string,
  split: FrontMatterSplit,
  fm: FrontMatter,
  schemaOk: boolean,
  ctx: FileContext,
): { title: string | undefined; content: string; positions: TextPositions } {
  const bodyLine = lineOf(text, split.bodyStart);
  let body = split.body;
  let title = fm.title;
  let titleAt: TextPositions['title'] | undefined;
  let headingLine: number | undefined;
  if (title === undefined) {
    const heading = leadingHeading(body);
    if (heading) {
      title = heading.text;
      headingLine = lineOf(body, heading.start) - 1;
      titleAt = { line: bodyLine + headingLine, col: body.indexOf(heading.text, heading.start) - heading.start + 1 };
      // Blank lines above the heading stay, so content lines keep their file positions (TextPositions).
      body = body.slice(0, heading.start) + body.slice(heading.end);
    } else if (schemaOk) {
      const later = /^[ \t]{0,3}#[ \t]+\S/m.test(body) ? ' (a heading further down is content, not the title)' : '';
      ctx.at(1, 1, `no title: add "title: <trigger phrase>" to the front-matter or start the body with "# <title>"${later}`);
    }
  }
  const start = blankLinesEnd(body);
  let content = body.slice(start).trimEnd();
  if (fm.content !== undefined) {
    // The quoted front-matter form holds the text exactly; a body as well would be two contents.
    if (content !== '') ctx.at(bodyLine, 1, 'the body is not empty, but "content:" in the front-matter sets the content: keep one of them');
    content = fm.content;
  } else if (content === '') ctx.at(bodyLine, 1, 'the body is empty: below the front-matter, write how the AI should answer');
  const positions: TextPositions = { title: titleAt ?? titleLine(split.yaml, split.yamlLine), bodyLine, leading: lineOf(body, start) - 1 };
  if (headingLine !== undefined) positions.heading = headingLine;
  return { title, content, positions };
}

/**
 * Where the blank lines (spaces and tabs only) at the top of a text end: what /^(?:[ \t]*\n)+/ would
 * take off, found without building the rest of the text.
 */
export function blankLinesEnd(text: string): number {
  let end = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) end = i + 1;
    else if (c !== 32 && c !== 9) break;
  }
  return end;
}

interface ResolvedNames {
  directory: string | null;
  segments: string[];
  /** Segment names left for Open.cx's segment list. */
  lookups: string[];
}

/** Directory and segment names to ids (config first, then Open.cx's list); duplicates are warnings. */
function resolveNames(fm: FrontMatter, names: NameMaps, ctx: FileContext): ResolvedNames {
  const directory = fm.directory == null ? null : resolveDirectory(fm.directory, names.directories);
  if (directory && 'error' in directory) {
    const [line, col] = ctx.locate(['directory']);
    ctx.at(line, col, directory.error);
  }
  const segments: string[] = [];
  const lookups: string[] = [];
  const given = fm.segments ?? [];
  for (let i = 0; i < given.length; i++) {
    const r = resolveSegment(given[i] as string, names.segments, names.remoteSegments);
    if ('error' in r) {
      const [line, col] = ctx.locate(['segments', i]);
      ctx.at(line, col, r.error);
    } else if ('deferred' in r) {
      const [line, col] = ctx.locate(['segments', i]);
      ctx.at(line, col, r.warning, 'warning', SEGMENT_LOOKUP);
      lookups.push(r.deferred);
      segments.push(r.deferred);
    } else segments.push(r.id);
  }
  warnDuplicates(fm.channels ?? [], 'channels', ctx);
  warnDuplicates(segments, 'segments', ctx);
  return { directory: directory && 'id' in directory ? directory.id : null, segments, lookups };
}

/** The desired fields, normalised: defaults filled in, lists sorted and de-duplicated. */
function fieldsOf(fm: FrontMatter, title: string, content: string, refs: ResolvedNames): Training['fields'] {
  const fields: Training['fields'] = {
    title: title.trim(),
    content,
    type: fm.type ?? 'SCENARIO_SPECIFIC',
    draft: fm.draft ?? false,
    directory: refs.directory,
    channels: sortedUnique<Channel>(fm.channels),
    segments: sortedUnique(refs.segments),
  };
  // `active: null` owns the window too: it clears one set in the dashboard.
  if (fm.active !== undefined) {
    fields.active = { from: canonicalInstant(fm.active?.from ?? null), until: canonicalInstant(fm.active?.until ?? null) };
  }
  return fields;
}

/** A new list, sorted, each value once. Most lists are empty or of one value: those need no Set. */
function sortedUnique<T extends string>(values: readonly T[] | undefined): T[] {
  if (values === undefined || values.length === 0) return [];
  if (values.length === 1) return [values[0] as T];
  return sortShort([...new Set(values)], byCodeUnits);
}

function tooManyKeys(n: number): string {
  return `the front-matter has ${n} keys, more than the ${MAX_FRONT_MATTER_KEYS} allowed: a training uses only ${FRONT_MATTER_KEYS.join(', ')}`;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function lineColOf(text: string, index: number): [number, number] {
  return [lineOf(text, index), index - text.lastIndexOf('\n', index - 1)];
}

type Split = { yaml: string | undefined; yamlLine: number; body: string; bodyStart: number } | { error: string; line: number };

/**
 * Splits "---" YAML "---" from the body. Our own few lines rather than gray-matter: its engines run
 * code (---js) and are looked up by any name (---constructor), and it cannot say a closing line is missing.
 * A first line of four or more dashes is a Markdown rule, not front-matter.
 */
function splitFrontMatter(text: string): Split {
  if (!text.startsWith('---') || text[3] === '-') return { yaml: undefined, yamlLine: 1, body: text, bodyStart: 0 };
  const firstEnd = text.indexOf('\n');
  const language = (firstEnd === -1 ? text : text.slice(0, firstEnd)).slice(3).trim();
  if (language !== '' && !['yaml', 'yml'].includes(language.toLowerCase())) {
    return { error: `front-matter language "${language}" is not allowed: use YAML between "---" lines`, line: 1 };
  }
  const close = firstEnd === -1 ? -1 : closingLine(text, firstEnd + 1);
  if (close === -1) return { error: 'the front-matter opened by "---" on line 1 has no closing "---": add a line "---" after the last key', line: 1 };
  const end = afterBlanks(text, close + 3);
  const bodyStart = text[end] === '\n' ? end + 1 : end;
  return { yaml: text.slice(firstEnd + 1, close), yamlLine: 2, body: text.slice(bodyStart), bodyStart };
}

// Hand-written line matches for the two lines every file has (the closing "---", the title key): a
// regular expression would be made and give a match array per file. Each reads `^` and `$` as the
// m flag does; test/unit/parse-fast-paths.test.ts checks them against the expressions they replace.

/** Is this code a line break for `^` and `$` of a regular expression with the m flag? */
function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

function atLineStart(text: string, i: number): boolean {
  return i === 0 || isLineBreak(text.charCodeAt(i - 1));
}

/** The index after the spaces and tabs at `i` (what `[ \t]*` takes). */
function afterBlanks(text: string, i: number): number {
  let j = i;
  while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
  return j;
}

/** Where the first line from `from` on that is `---` and blanks starts: /^---[ \t]*$/gm from lastIndex `from`; -1 if none. */
export function closingLine(text: string, from: number): number {
  for (let i = text.indexOf('---', from); i !== -1; i = text.indexOf('---', i + 1)) {
    if (!atLineStart(text, i)) continue;
    const end = afterBlanks(text, i + 3);
    if (end === text.length || isLineBreak(text.charCodeAt(end))) return i;
  }
  return -1;
}

/** The first `title:` key at a line start and where its value begins: /^title[ \t]*:[ \t]*\/m's index and length. */
export function titleKey(yamlText: string): { index: number; length: number } | undefined {
  for (let i = yamlText.indexOf('title'); i !== -1; i = yamlText.indexOf('title', i + 1)) {
    if (!atLineStart(yamlText, i)) continue;
    const colon = afterBlanks(yamlText, i + 5);
    if (yamlText.charCodeAt(colon) === 58) return { index: i, length: afterBlanks(yamlText, colon + 1) - i }; // ':'
  }
  return undefined;
}

/** A long key or value, shortened so one bad line cannot flood the output. */
function shown(v: string): string {
  return v.length > 40 ? `"${v.slice(0, 20)}..." (${v.length} characters)` : `"${v}"`;
}

/** Own properties only: a key like "constructor" must not find Object.prototype's. */
function own(v: unknown, p: PropertyKey): unknown {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, p) ? (v as Record<PropertyKey, unknown>)[p] : undefined;
}

/** Position of the `title:` value, found with a cheap scan (the YAML document is built only for errors). */
function titleLine(yamlText: string | undefined, matterLine: number): { line: number; col: number } {
  const m = yamlText === undefined ? undefined : titleKey(yamlText);
  if (!m || yamlText === undefined) return { line: 1, col: 1 };
  return { line: matterLine + lineOf(yamlText, m.index) - 1, col: m.length + 1 };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Offset of the node at `path`, or of the nearest parent that exists. Unknown keys point at the key. */
function offsetOf(doc: Document, { isMap, isScalar }: FullYaml, path: readonly PropertyKey[], target: 'key' | 'value' = 'value'): number | undefined {
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
  const value = path.reduce<unknown>(own, data);
  switch (zi.code) {
    case 'unrecognized_keys': {
      // Inside a nested value (active:), named at its own line with what that value takes.
      if (path.length > 0) {
        return zi.keys.map((k) => ({ path: [...path, k], target: 'key' as const, message: `${field}: unknown key ${shown(k)}: ${field} takes from and until` }));
      }
      const named = zi.keys.slice(0, UNKNOWN_KEYS_SHOWN).map((k) => ({
        path: [k], target: 'key' as const, message: `unknown key ${shown(k)}${suggestKey(k, own(data, k))}`,
      }));
      const rest = zi.keys.length - named.length;
      const more = zi.keys[UNKNOWN_KEYS_SHOWN];
      if (more === undefined) return named;
      return [...named, { path: [more], target: 'key' as const, message: `${rest} more unknown keys: allowed keys are ${FRONT_MATTER_KEYS.join(', ')}` }];
    }
    case 'invalid_value': {
      const allowed = zi.values.map(String);
      const near = typeof value === 'string' ? suggestValue(value, allowed) : undefined;
      const hint = near ? `did you mean "${near}"? ` : '';
      return [{ path, message: `${field}: ${shown(String(value))} is not allowed; ${hint}use one of: ${allowed.join(', ')}` }];
    }
    case 'invalid_type': {
      // A list's example: the one value given, made a list, or one of the field's own kind (not channels for segments).
      const example = typeof value === 'string' && value.length <= 40 ? `[${value}]` : path[0] === 'segments' ? '[VIP customers]' : '[web, email]';
      const words: Record<string, string> = { boolean: 'true or false', array: `a list, e.g. ${example}`, string: 'text' };
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

/** Keys no longer than this get a spelling suggestion; a longer one cannot be 2 edits from a real key. */
const SUGGEST_MAX_LENGTH = 24;

/** The key meant, keeping the value's intent: `published: true` is `draft: false`, not `draft`. */
function suggestKey(k: string, value: unknown): string {
  const alias = FRONT_MATTER_ALIASES.get(k.toLowerCase());
  if (alias === 'draft' && k.toLowerCase() === 'published') {
    return typeof value === 'boolean' ? `: did you mean "draft: ${!value}"?` : ': did you mean "draft" (true or false)?';
  }
  if (alias) return `: did you mean "${alias}"?`;
  if (k.length <= SUGGEST_MAX_LENGTH) {
    const near = closest(k, FRONT_MATTER_KEYS);
    if (distance(k, near) <= 2) return `: did you mean "${near}"?`;
  }
  return `: allowed keys are ${FRONT_MATTER_KEYS.join(', ')}`;
}

/** The allowed value meant: the same word in another case or with - for _, or a near spelling. */
function suggestValue(value: string, allowed: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-\s]+/g, '_');
  const v = norm(value);
  const same = allowed.find((a) => norm(a) === v);
  if (same !== undefined || v.length > SUGGEST_MAX_LENGTH) return same;
  const normed = allowed.map(norm);
  const near = closest(v, normed);
  const d = distance(v, near);
  return d <= 2 && d < v.length / 2 ? allowed[normed.indexOf(near)] : undefined;
}

/** A "# Heading" on the first non-blank line of the body: the title when front-matter has none. */
function leadingHeading(body: string): { text: string; start: number; end: number } | undefined {
  const m = /^((?:[ \t]*\n)*)[ \t]{0,3}#[ \t]+([^\n]*?)(?:[ \t]+#+)?[ \t]*(?:\n|$)/.exec(body);
  return m?.[2] ? { text: m[2], start: m[1]?.length ?? 0, end: m[0].length } : undefined;
}

type Resolved = { id: string } | { error: string };

function resolveDirectory(value: string, map: ReadonlyMap<string, string>): Resolved {
  const id = map.get(value);
  if (id !== undefined) return { id };
  const names = [...map.keys()];
  if (names.length === 0 || [...map.values()].includes(value)) return { id: value };
  return {
    error: `unknown directory "${value}": use one of ${names.map((n) => `"${n}"`).join(', ')} or add it to "directories" in the config file`,
  };
}

function warnDuplicates(values: readonly string[], field: string, ctx: FileContext) {
  if (values.length < 2) return;
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    if (seen.has(v)) {
      const [line, col] = ctx.locate([field, i]);
      ctx.at(line, col, `${field}: "${v}" is listed twice`, 'warning');
    }
    seen.add(v);
  }
}

/**
 * The fast path: js-yaml with the YAML 1.2 core schema (no timestamps, no merge keys, so it reads
 * plain front-matter as `yaml` does). Undefined on anything unusual, which then takes the slow path.
 */
function quickFrontMatter(src: string, yaml: () => FullYaml): QuickFrontMatter | undefined {
  // The simple shape nearly every file has is read without a YAML parser (front-matter-fast.ts).
  let data: unknown = readSimpleFrontMatter(src);
  if (data === undefined) {
    const { load } = yaml();
    try {
      data = load(src) ?? {};
    } catch {
      return undefined;
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  // A valid front-matter of the usual kind is checked without zod (front-matter-check.ts); zod words the
  // errors. What it accepts has only known keys, each once: never too many, so they are not counted.
  const quick = checkFrontMatterQuickly(data as Record<string, unknown>);
  if (quick) return { success: true, data: quick };
  const keys = Object.keys(data).length;
  return keys > MAX_FRONT_MATTER_KEYS ? { keys } : frontMatterSchema.safeParse(data);
}

/** The fast path's reading: the schema's answer, or too many keys to look at. */
type QuickFrontMatter = { success: true; data: FrontMatter } | ReturnType<typeof frontMatterSchema.safeParse> | { keys: number };
