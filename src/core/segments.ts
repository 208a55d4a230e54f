// Segment names in front-matter -> the ids Open.cx holds in `restricted_to_segments`. Pure: the caller
// reads the config map and (with a key) the segment list. Precedence: a name in the config's "segments"
// map wins (explicit, and the same offline and online), then a UUID is taken as an id, then a name that
// exactly one segment of Open.cx's list carries. Files keep names; the state and the plan hold ids.
import { printable } from './printable.js';
import { closest, distance } from 'fastest-levenshtein';

export interface Segment {
  id: string;
  name: string;
}

/** Open.cx's segments by name: a name two segments share maps to both ids, and is not usable. */
export interface SegmentDirectory {
  byName: ReadonlyMap<string, readonly string[]>;
  /** Segments listed, for messages. */
  size: number;
}

/**
 * How a file's segment names are resolved. `'deferred'`: not yet, a key will look them up (validate,
 * audience, and the first pass of a run with a key); `'offline'`: never (an offline plan: an error).
 */
export type SegmentLookup = SegmentDirectory | 'deferred' | 'offline';

export type SegmentResolution =
  | { id: string }
  /** Left as the name for the segment list to resolve; said as a warning, since nothing offline can check it. */
  | { deferred: string; warning: string }
  | { error: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A value taken as a segment id rather than a name. */
export const isSegmentId = (value: string) => UUID.test(value);
/** Names shown in a message at most; the rest are counted. */
const NAMES_SHOWN = 10;
/** Names no longer than this get a spelling suggestion. */
const SUGGEST_MAX_LENGTH = 80;

/** A name as looked up: NFC, so an accent typed one way matches the same accent stored the other (they look the same). */
const lookupName = (name: string) => name.normalize('NFC');

export function segmentDirectoryOf(segments: readonly Segment[]): SegmentDirectory {
  const byName = new Map<string, string[]>();
  for (const s of segments) {
    const name = lookupName(s.name);
    const ids = byName.get(name) ?? [];
    if (!ids.includes(s.id)) ids.push(s.id);
    byName.set(name, ids);
  }
  return { byName, size: segments.length };
}

/** The ids of the segments Open.cx lists under this name. */
export function idsNamed(directory: SegmentDirectory, name: string): readonly string[] | undefined {
  return directory.byName.get(lookupName(name));
}

/** Each id's name, where that name is unique: how `import` writes a segment when the config has no name for it. */
export function uniqueNamesById(directory: SegmentDirectory): Map<string, string> {
  const out = new Map<string, string>();
  // A name shaped like a UUID reads back as that id (ids come before Open.cx's names): never used for one.
  for (const [name, ids] of directory.byName) if (ids.length === 1 && ids[0] !== undefined && !UUID.test(name)) out.set(ids[0], name);
  return out;
}

export function resolveSegment(value: string, config: ReadonlyMap<string, string>, lookup: SegmentLookup = 'offline'): SegmentResolution {
  const mapped = config.get(value);
  if (mapped !== undefined) return { id: mapped };
  if (UUID.test(value)) return { id: value };
  if (lookup === 'deferred') {
    const near = suggest(value, [...config.keys()]);
    return {
      deferred: value,
      warning: `segment "${value}" is not in "segments" of the config file: it must name one segment in Open.cx, which "plan --refresh" and "apply" check${near ? ` (or did you mean ${quote(near)} from the config?)` : ''}`,
    };
  }
  if (lookup === 'offline') {
    const names = [...config.keys()];
    const near = suggest(value, names);
    const known = names.length ? `one of ${list(names)}` : 'a name listed under "segments" in the config file';
    return {
      error: `unknown segment "${value}"${near ? `: did you mean ${quote(near)}?` : ''}: use a segment id (UUID) or ${known}; ${OFFLINE}`,
    };
  }
  const ids = idsNamed(lookup, value);
  if (ids?.length === 1 && ids[0] !== undefined) return { id: ids[0] };
  if (ids && ids.length > 1) {
    return { error: `segment name ${quote(value)} is shared by ${ids.length} segments in Open.cx (${ids.map(shown).join(', ')}): use the id of the one you mean, or rename one in Open.cx` };
  }
  const names = [...new Set([...config.keys(), ...lookup.byName.keys()])];
  const near = suggest(value, names);
  const listed = list(names);
  return {
    error: `unknown segment "${value}": Open.cx lists ${lookup.size} ${lookup.size === 1 ? 'segment' : 'segments'} and none is named so${near ? `; did you mean ${quote(near)}?` : names.length ? ` (known: ${listed})` : ''}`,
  };
}

/** Server text in a message: printable and short. */
function shown(s: string): string {
  const clean = printable(s);
  return clean.length > 80 ? `${clean.slice(0, 80)}...` : clean;
}
const quote = (s: string) => `"${shown(s)}"`;
/** Names for a message: quoted, printable, at most NAMES_SHOWN of them, the rest counted. */
export const list = (names: string[]) =>
  names.length > NAMES_SHOWN ? `${names.slice(0, NAMES_SHOWN).map(quote).join(', ')} and ${names.length - NAMES_SHOWN} more` : names.map(quote).join(', ');

/** Why an offline plan cannot take a name Open.cx may know. */
const OFFLINE = 'a name from Open.cx\'s segment list is looked up only with a key ("plan --refresh", "apply"), never by an offline plan';

/** The name meant: the same in another case, or a near spelling. */
export function suggest(value: string, names: string[]): string | undefined {
  if (names.length === 0 || value.length > SUGGEST_MAX_LENGTH) return undefined;
  const same = names.find((n) => n.toLowerCase() === value.toLowerCase());
  if (same !== undefined) return same;
  const near = closest(value, names);
  const d = distance(value, near);
  return d <= 2 && d < value.length / 2 ? near : undefined;
}
