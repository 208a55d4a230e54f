// `validate --staged` (the pre-commit hook): what the next commit holds, read from git's index. Only the
// staged files are parsed in full; every other file is known by a small index entry (its key, title,
// audience and size: what the checks across files need), cached in the git folder by blob id, so a
// commit of 3 files in a 10,000-file repository reads and parses 3 files, not 10,000.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import type { FullYaml, ParseResult } from '../core/parse.js';
import { FRONT_MATTER_KEYS } from '../core/training.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { toPosix } from './paths.js';

const run = promisify(execFile);
const MAX_LISTING = 256 * 1024 * 1024;
// 2: segment names only Open.cx knows are taken (deferred), no longer invalid: older entries are stale.
const CACHE_VERSION = 2;

export interface StagedFiles {
  /** Every training file of the next commit, in scan order, parsed (staged) or from the index (others). */
  results: { displayPath: string; result: ParseResult }[];
  /** Display paths of the staged files. */
  staged: Set<string>;
}

interface Blob {
  sha: string;
  /** The cache's key: blob id and path (a file's entry depends on both: its key comes from the path). */
  id: string;
  /** Relative to the trainings folder, as scan.ts gives it. */
  path: string;
  displayPath: string;
}

/** The trainings of the next commit, for `validate --staged`. Undefined when the config has ignore globs (use the full scan). */
export async function readStagedTrainings(config: Config): Promise<StagedFiles | undefined> {
  if (config.ignore.length) return undefined;
  const git = (args: string[]) => run('git', args, { cwd: config.cwd, maxBuffer: MAX_LISTING, encoding: 'utf8' });
  let listing: string, stagedNames: string, gitDir: string;
  const reads = Promise.all([
    git(['rev-parse', '--absolute-git-dir']),
    git(['ls-files', '--stage', '-z', '--', config.dir]),
    git(['diff', '--cached', '--name-only', '--relative', '--diff-filter=ACMR', '-z', '--', '*.md']),
  ]);
  // The parser is loaded while git runs (module loading is most of this command's time).
  const parsing = import('../core/parse.js');
  try {
    [{ stdout: gitDir }, { stdout: listing }, { stdout: stagedNames }] = await reads;
  } catch {
    throw new UserError('--staged needs a git repository (run it from inside your checkout)');
  }
  const { parseTrainingFile, parseTrainingFileQuickly } = await parsing;
  const root = path.resolve(config.cwd, config.dir);
  const base = toPosix(path.relative(config.cwd, root));
  const blobs: Blob[] = [];
  for (const record of listing.split('\0')) {
    const entry = indexRecord(record);
    if (!entry) continue;
    const { sha, displayPath } = entry;
    const rel = base ? displayPath.slice(base.length + 1) : displayPath;
    if (base && !displayPath.startsWith(`${base}/`)) continue;
    if (!/\.md$/i.test(rel) || rel.split('/').some((s) => s.startsWith('.'))) continue;
    // Never a training for the scan (scan.ts warns and skips it): neither here, or the hook checks what sync never reads.
    if (/[\n\r\u2028\u2029]/.test(rel)) continue;
    blobs.push({ sha, id: `${sha} ${rel}`, path: rel, displayPath });
  }
  // The order scan.ts reads files in: the first of two files with one key keeps it.
  blobs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const staged = new Set(stagedNames.split('\0').filter((n) => blobs.some((b) => b.displayPath === n)));

  const cacheFile = path.join(gitDir.trim(), 'opencx-sync', 'staged-index.json');
  const stamp = JSON.stringify([CACHE_VERSION, VERSION, FRONT_MATTER_KEYS, [...config.names.directories], [...config.names.segments]]);
  const cached = readCache(cacheFile, stamp);
  const wanted = blobs.filter((b) => staged.has(b.displayPath) || !cached.has(b.id));
  const texts = await readBlobs(config.cwd, wanted.map((b) => b.sha));

  const fresh = new Map<string, Row>();
  // As plain validate reads them: a segment name only Open.cx knows is a segment-lookup warning, not an error.
  const names = { ...config.names, remoteSegments: 'deferred' as const };
  const fileOf = (b: Blob, text: string) => ({ path: b.path, displayPath: b.displayPath, text });
  const quick = new Map<string, ParseResult | undefined>();
  for (const b of blobs) {
    const text = texts.get(b.sha);
    if (text !== undefined) quick.set(b.id, parseTrainingFileQuickly(fileOf(b, text), names));
  }
  // The YAML parsers only for a file the quick reading leaves to them.
  const yaml = [...quick.values()].includes(undefined) ? (await import('../core/front-matter-yaml.js')).FULL_YAML : undefined;
  const results = blobs.map((b) => {
    const text = texts.get(b.sha);
    if (text !== undefined) {
      const result = quick.get(b.id) ?? parseTrainingFile(fileOf(b, text), names, yaml as FullYaml);
      fresh.set(b.id, rowOf(b.id, result));
      if (staged.has(b.displayPath)) return { displayPath: b.displayPath, result };
    }
    const row = fresh.get(b.id) ?? (cached.get(b.id) as Row);
    fresh.set(b.id, row);
    return { displayPath: b.displayPath, result: resultOf(row, b.path) };
  });
  if (wanted.length > staged.size || fresh.size !== cached.size) writeCache(cacheFile, stamp, fresh);
  return { results, staged };
}

/**
 * One record of `git ls-files --stage -z`, "<mode> <sha> <stage>\t<path>": a regular file at stage 0,
 * else undefined (symlinks 120000 and submodules 160000 are no trainings; other stages are a conflict).
 * Read by position, not by a regex: a large repository lists tens of thousands of records each run.
 */
export function indexRecord(record: string): { sha: string; displayPath: string } | undefined {
  if (!record.startsWith('100644 ') && !record.startsWith('100755 ')) return undefined;
  const shaEnd = record.indexOf(' ', 7);
  if (shaEnd <= 7 || !record.startsWith(' 0\t', shaEnd) || record.length === shaEnd + 3) return undefined;
  const sha = record.slice(7, shaEnd);
  if (!/^[0-9a-f]+$/.test(sha)) return undefined;
  return { sha, displayPath: record.slice(shaEnd + 3) };
}

/**
 * One cache row per file: [blob id and path, kind, ...], a training's fields as a flat array (half the
 * size of objects), and its body as its length: what the checks across files need of a file not staged.
 */
type Row = [string, 0, string, string, string, boolean, string | null, string[], string[], number] | [string, 1, string] | [string, 2];

function rowOf(id: string, r: ParseResult): Row {
  if (r.kind === 'invalid') return [id, 2];
  if (r.kind === 'skipped') return [id, 1, r.key];
  const f = r.training.fields;
  return [id, 0, r.training.key, f.title, f.type, f.draft, f.directory, f.channels, f.segments, f.content.length];
}

/**
 * A file that is not staged, as the checks across files see it. Its issues are not reported (only the
 * staged files' are), so none are kept; its body is only its length (the always-on budget counts it).
 */
function resultOf(r: Row, p: string): ParseResult {
  if (r[1] === 2) return { kind: 'invalid', issues: [] };
  if (r[1] === 1) return { kind: 'skipped', key: r[2], path: p };
  // By index, not by destructuring: a pattern over an array goes through its iterator, which a run that
  // makes 10,000 of these once (never warm) pays in full.
  const fields = { title: r[3], type: r[4], draft: r[5], directory: r[6], channels: r[7], segments: r[8], content: blank(r[9]) };
  return { kind: 'training', issues: [], training: { key: r[2], path: p, fields } };
}

/** A body of the same length, one string per length: only the checks across files read it, for its size. */
const blanks = new Map<number, string>();
function blank(n: number): string {
  let s = blanks.get(n);
  if (s === undefined) blanks.set(n, (s = ' '.repeat(n)));
  return s;
}

/** The rows by blob id and path; rows are turned into results only for the files a run lists. */
function readCache(file: string, stamp: string): Map<string, Row> {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { stamp?: unknown; rows?: unknown };
    // Anything unexpected (another version, other names in the config, a damaged file): start again.
    if (json.stamp !== stamp || !Array.isArray(json.rows)) return new Map();
    const rows = new Map<string, Row>();
    for (const r of json.rows as unknown[]) {
      // A row of another shape (an edited or damaged file) would reach the checks as a training with no title.
      if (!isRow(r)) return new Map();
      rows.set(r[0], r);
    }
    return rows;
  } catch {
    return new Map();
  }
}

function isText(v: unknown): v is string {
  return typeof v === 'string';
}

/** A loop, not `every` with a callback: this runs for every row of a 10,000-file cache, cold. */
function isTexts(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

/** A row as rowOf makes it; a body length a string can have (V8's longest string is 2^29 - 24 units). */
function isRow(r: unknown): r is Row {
  if (!Array.isArray(r) || !isText(r[0])) return false;
  if (r[1] === 2) return r.length === 2;
  if (r[1] === 1) return r.length === 3 && isText(r[2]);
  return (
    r[1] === 0 && r.length === 10 && isText(r[2]) && isText(r[3]) && isText(r[4]) && typeof r[5] === 'boolean' && (r[6] === null || isText(r[6])) &&
    isTexts(r[7]) && isTexts(r[8]) && Number.isSafeInteger(r[9]) && (r[9] as number) >= 0 && (r[9] as number) <= 2 ** 29 - 24
  );
}

/** Best effort: the cache only saves time, so a folder that cannot be written is no error. */
function writeCache(file: string, stamp: string, rows: Map<string, Row>): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ stamp, rows: [...rows.values()] }));
    renameSync(temp, file);
  } catch {
    // Read-only repository or full disk: the next run parses again.
  }
}

/** The blobs' text, through one `git cat-file --batch` for all of them. */
async function readBlobs(cwd: string, shas: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (shas.length === 0) return out;
  const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(shas.join('\n') + '\n');
  const code = await done;
  if (code !== 0) throw new UserError(`git cat-file failed (exit ${code}) while reading the staged files`);
  const data = Buffer.concat(chunks);
  // "<sha> blob <size>\n<content>\n" per blob, in the order asked.
  for (let at = 0; at < data.length; ) {
    const eol = data.indexOf(10, at);
    const [sha, type, size] = data.toString('utf8', at, eol).split(' ');
    if (type !== 'blob' || sha === undefined) throw new UserError(`git cat-file could not read ${sha ?? 'a staged file'}`);
    const start = eol + 1;
    const end = start + Number(size);
    out.set(sha, data.toString('utf8', start, end));
    at = end + 1;
  }
  return out;
}
