// `opencx-sync import`, the pure part: trainings in Open.cx no file tracks -> Markdown files to write,
// each read back through the parser so any value a file cannot hold exactly is said, never hidden.
import { namesById } from './names.js';
import { defaultKey, parseTrainingFile, type FullYaml, type NameMaps } from './parse.js';
import {
  byCreation,
  CHANNELS,
  fieldsOfRemote,
  isAdoptable,
  keyOfRemote,
  TRAINING_TYPES,
  windowOfRemote,
  type FieldName,
  type RemoteTraining,
  type Training,
  type TrainingFields,
} from './training.js';
import { namespaceName, otherNamespaceOf } from './namespace.js';
import { plural } from './plural.js';

export interface ImportInput {
  /** Every training in Open.cx. */
  remote: RemoteTraining[];
  names: NameMaps;
  /** The YAML parsers (front-matter-yaml.ts), to read each file back exactly as plan will. */
  yaml: FullYaml;
  /** The files as they are: their pinned ids and keys. */
  trainings: Training[];
  /** Every Markdown path in the trainings folder (tracked, ignored or not): never written over without force. */
  paths: string[];
  /** Keys already used (files, sync: false files, the state): an imported file's key must be new. */
  keys: Iterable<string>;
  /** Trainings a file or the state already tracks (by id, pin, key or trigger phrase), with that file's path. */
  tracked: ReadonlyMap<string, string>;
  /** Write again the files that pin a training's `id:`, from Open.cx. */
  force: boolean;
  /** This repository's namespace: a training tagged for another one is never imported. */
  namespace: string;
}

export interface ImportFile {
  id: string;
  path: string;
  title: string;
  text: string;
  /** Replaces a file that pins this training (only with force). */
  overwrite: boolean;
  /** What the file cannot hold exactly, and what the first apply will therefore change in Open.cx. */
  notes: string[];
  /** Edits made in the dashboard and not yet published (draft_title / draft_content). */
  pendingEdits: boolean;
}

export interface ImportPlan {
  files: ImportFile[];
  /** Trainings not imported, and why. */
  left: { id: string; title: string; why: string }[];
}

export function planImport(input: ImportInput): ImportPlan {
  const files: ImportFile[] = [];
  const left: ImportPlan['left'] = [];
  const taken = new Set(input.paths.map((p) => p.toLowerCase()));
  const keys = new Set(input.keys);
  const pinnedFile = new Map(input.trainings.flatMap((t) => (t.id === undefined ? [] : [[t.id, t] as const])));
  const dirNames = namesById(input.names.directories);
  for (const r of [...input.remote].sort((a, b) => byCreation(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const title = shownTitle(r);
    const trackedBy = input.tracked.get(r.id);
    const pinned = pinnedFile.get(r.id);
    if (trackedBy !== undefined && !(input.force && pinned)) {
      left.push({ id: r.id, title, why: `tracked by ${trackedBy}${pinned ? ' (--force writes it again from Open.cx)' : ''}` });
      continue;
    }
    if (!isAdoptable(r) && keyOfRemote(r, input.namespace) === undefined) {
      const ns = otherNamespaceOf(r.metadata, input.namespace);
      const owner = ns === undefined ? `tagged by another tool (managed_by ${JSON.stringify(String(r.metadata.managed_by))})` : `tagged by the repository of ${namespaceName(ns)}`;
      left.push({ id: r.id, title, why: `${owner}: left to it` });
      continue;
    }
    const unknown = unknownValues(r);
    if (unknown) {
      left.push({ id: r.id, title, why: `${unknown} unknown to this version of opencx-sync: a file cannot hold it` });
      continue;
    }
    let path: string;
    let key: string | undefined;
    if (pinned) {
      path = pinned.path;
      if (pinned.key !== defaultKey(path)) key = pinned.key;
    } else {
      path = freePath(r, dirNames, taken, keys);
      taken.add(path.toLowerCase());
    }
    // A training this tool made once (a lost state file): its file keeps the key it carries.
    const carried = keyOfRemote(r, input.namespace);
    if (carried !== undefined && !pinned) key = carried === defaultKey(path) ? undefined : carried;
    keys.add(key ?? defaultKey(path));
    files.push(fileFor(r, path, key, input.names, input.yaml, dirNames, pinned !== undefined));
  }
  return { files, left };
}

function fileFor(r: RemoteTraining, path: string, key: string | undefined, names: NameMaps, yaml: FullYaml, dirNames: Map<string, string>, overwrite: boolean): ImportFile {
  const want = fieldsOfRemote(r);
  const window = windowOfRemote(r);
  const notes: string[] = [];
  const lines = ['---', `title: ${yamlString(writableTitle(want.title))}`, `id: ${yamlString(r.id)}`];
  if (key !== undefined) lines.push(`key: ${yamlString(key)}`);
  if (want.type !== 'SCENARIO_SPECIFIC') lines.push(`type: ${want.type}`);
  if (want.draft) lines.push('draft: true');
  if (want.directory !== null) lines.push(`directory: ${yamlString(dirNames.get(want.directory) ?? want.directory)}`);
  if (want.channels.length) lines.push(`channels: [${want.channels.join(', ')}]`);
  const segmentNames = namesById(names.segments);
  if (want.segments.length) lines.push(`segments: [${want.segments.map((s) => yamlString(segmentNames.get(s) ?? s)).join(', ')}]`);
  // The window only when the file can own it exactly; otherwise it stays as Open.cx holds it (not owned).
  const readable = (t: string | null) => t === null || !Number.isNaN(Date.parse(t));
  const { from, until } = window;
  const ordered = from === null || until === null || Date.parse(from) < Date.parse(until);
  const owned = (from !== null || until !== null) && readable(r.start_time) && readable(r.end_time) && ordered;
  if (owned) {
    lines.push('active:', ...(from ? [`  from: ${yamlString(from)}`] : []), ...(until ? [`  until: ${yamlString(until)}`] : []));
  } else if (r.start_time !== null || r.end_time !== null) {
    notes.push(`its active window (${r.start_time ?? 'no start'} .. ${r.end_time ?? 'no end'}) cannot be written as "active:": left out, so it stays as Open.cx holds it`);
  }
  // A body holds the text unless it starts or ends with blank space or carries CRs: then the quoted
  // front-matter form does, exactly.
  let body = writableContent(want.content);
  if (body !== want.content && !want.content.includes('\0') && want.content.trim() !== '') {
    lines.push(`content: ${yamlString(want.content)}`);
    notes.push(`its content has ${why(want.content)}, which a body cannot hold: written as a quoted "content:" in the front-matter instead, so it comes back exactly`);
    body = '';
  }
  lines.push('---');
  const text = `${lines.join('\n')}\n${body}${body ? '\n' : ''}`;
  const pendingEdits = r.draft_title !== null || r.draft_content !== null;
  if (pendingEdits) {
    notes.push('has edits made in the dashboard and not yet published: the file holds them (as opencx-sync reads a training), the published text stays live until they are published');
  }
  notes.push(...readBack(text, path, owned ? { ...want, active: window } : want, names, yaml));
  return { id: r.id, path, title: shownTitle(r), text, overwrite, notes, pendingEdits };
}

/** Parses the file as plan will, and names every field that would not come back as Open.cx holds it. */
function readBack(text: string, path: string, want: TrainingFields, names: NameMaps, yaml: FullYaml): string[] {
  const parsed = parseTrainingFile({ path, displayPath: path, text }, names, yaml);
  if (parsed.kind !== 'training') {
    const issues = parsed.kind === 'invalid' ? parsed.issues.filter((i) => i.severity === 'error').map((i) => `line ${i.line}: ${i.message}`) : ['it reads as sync: false'];
    return [`the file is not valid yet (${issues.join('; ')}): fix it before "plan"`];
  }
  const got = parsed.training.fields;
  const out: string[] = [];
  for (const field of ['title', 'content', 'type', 'draft', 'directory', 'channels', 'segments', 'active'] satisfies FieldName[]) {
    if (JSON.stringify(got[field] ?? null) === JSON.stringify(want[field] ?? null)) continue;
    out.push(`${field} cannot be written exactly (${why(String(want[field]))}): the file holds ${preview(got[field])}, and the first apply sets that in Open.cx`);
  }
  return out;
}

function why(v: string): string {
  const reasons: string[] = [];
  if (v.includes('\r')) reasons.push('carriage returns');
  if (v.includes('\0')) reasons.push('a NUL character');
  if (/^\s*\n/.test(v)) reasons.push('leading blank lines');
  else if (v !== v.trimStart()) reasons.push('leading spaces');
  if (v !== v.trimEnd()) reasons.push('trailing spaces or blank lines');
  if (v.trim() === '') reasons.push('nothing but spaces');
  return reasons.join(', ') || 'a value a file reads differently';
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

/** Directories listed by name in a message at most; the snippet holds them all. */
const DIRECTORIES_SHOWN = 10;

/**
 * Why import must stop before writing, when the config maps some directories and a training to write
 * sits in another: its file would say `directory: <id>`, which the parser refuses while the config maps
 * any ("unknown directory"), so the very next plan would fail. Offline nothing can tell a directory id
 * Open.cx uses from a typo. The message holds a "directories" line to paste, the config's and the
 * missing ids (named by their id, a name the user may change). Undefined when nothing is missing.
 */
export function unmappedDirectories(files: readonly ImportFile[], remote: readonly RemoteTraining[], directories: ReadonlyMap<string, string>): string | undefined {
  if (directories.size === 0) return undefined;
  const mapped = new Set(directories.values());
  const byId = new Map(remote.map((r) => [r.id, r]));
  const missing = new Map<string, string[]>();
  let count = 0;
  for (const f of files) {
    const dir = byId.get(f.id)?.directory_id;
    if (dir == null || mapped.has(dir)) continue;
    count++;
    missing.set(dir, [...(missing.get(dir) ?? []), f.title]);
  }
  if (missing.size === 0) return undefined;
  const printable = (t: string) => t.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  const shown = [...missing].slice(0, DIRECTORIES_SHOWN).map(([id, titles]) => `${printable(id)} (${titles.slice(0, 3).join(', ')}${titles.length > 3 ? `, and ${titles.length - 3} more` : ''})`);
  const more = missing.size > DIRECTORIES_SHOWN ? ` and ${missing.size - DIRECTORIES_SHOWN} more` : '';
  const entries = [...directories, ...[...missing.keys()].map((id): [string, string] => [id, id])];
  const snippet = `"directories": { ${entries.map(([name, id]) => `${JSON.stringify(name)}: ${JSON.stringify(id)}`).join(', ')} }`;
  return (
    `${plural(count, 'training')} in Open.cx ${count === 1 ? 'sits' : 'sit'} in a directory "directories" in the config does not map: ${shown.join('; ')}${more}. ` +
    `A file naming an unmapped directory is refused, so the next plan would fail. Put this in the config file (rename a directory id to the name files should use, if you like), then run import again:\n  ${snippet}\nNothing was written`
  );
}

/** The title as people see it in a message: one line, printable, short. */
function shownTitle(r: RemoteTraining): string {
  const t = (r.draft_title ?? r.title).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

const writableTitle = (t: string) => t.replace(/\0/g, '').trim() || '(untitled)';

/** A body as close to the text as a file can hold: LF line ends, no NUL, no blank lines at either end. */
function writableContent(c: string): string {
  const body = c.replace(/\r\n?/g, '\n').replace(/\0/g, '').replace(/^(?:[ \t]*\n)+/, '').trimEnd();
  return body || '(empty)';
}

/**
 * A double-quoted YAML scalar: JSON's escapes are YAML's, plus the line and format characters YAML
 * would otherwise read as breaks or drop (NEL, LS, PS, BOM).
 */
export function yamlString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function unknownValues(r: RemoteTraining): string | undefined {
  if (!(TRAINING_TYPES as readonly string[]).includes(r.type)) return `type ${JSON.stringify(r.type)}`;
  const bad = r.restricted_to_channels.filter((c) => !(CHANNELS as readonly string[]).includes(c));
  return bad.length ? `channel ${bad.map((c) => JSON.stringify(c)).join(', ')}` : undefined;
}

/** Lower-case ASCII words joined by "-": stable for a title, and safe on every file system. */
export function slugOf(s: string, max = 60): string {
  const slug = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  // Names Windows reserves for devices.
  return /^(con|prn|aux|nul|com\d|lpt\d)$/.test(slug) ? `${slug}-1` : slug;
}

/** `<directory>/<slug of the title>.md`, numbered from 2 where that path or its key is taken. */
function freePath(r: RemoteTraining, dirNames: Map<string, string>, taken: Set<string>, keys: Set<string>): string {
  const f = fieldsOfRemote(r);
  const folder = f.directory === null ? '' : `${slugOf(dirNames.get(f.directory) ?? f.directory) || 'directory'}/`;
  const base = slugOf(f.title) || `training-${slugOf(r.id, 12) || 'x'}`;
  for (let n = 1; ; n++) {
    const path = `${folder}${base}${n === 1 ? '' : `-${n}`}.md`;
    if (!taken.has(path.toLowerCase()) && !keys.has(defaultKey(path))) return path;
  }
}
