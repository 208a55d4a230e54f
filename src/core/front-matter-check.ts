// The quick schema check of a front-matter's data, for the usual valid file: the value the zod schema in
// training.ts gives (trimmed text included), without zod's per-file cost. On anything else it returns
// undefined and the schema decides (and words the errors). test/unit/front-matter-fast.test.ts proves
// the two agree.
import { CHANNELS, TRAINING_TYPES, type FrontMatter } from './training.js';

const CONTROL = /[\u0000-\u001f\u007f]/;
const TYPES: ReadonlySet<unknown> = new Set(TRAINING_TYPES);
const KNOWN_CHANNELS: ReadonlySet<unknown> = new Set(CHANNELS);

/** Trimmed, not empty, no NUL: the schema's `nonEmpty`. */
function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length > 0 && !t.includes('\0') ? t : undefined;
}

function keyOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const k = v.trim();
  if (k.length === 0 || CONTROL.test(k) || k.startsWith('/') || k.endsWith('/') || k.split('/').includes('..')) return undefined;
  return k;
}

/** The schema's value for `data`, or undefined when the schema has to look (an error, or anything unusual). */
export function checkFrontMatterQuickly(data: Record<string, unknown>): FrontMatter | undefined {
  const out: FrontMatter = {};
  // The keys, not Object.entries: no [key, value] pair per key of every file.
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = data[k];
    switch (k) {
      case 'title':
      case 'directory': {
        if (k === 'directory' && v === null) {
          out.directory = null;
          break;
        }
        const t = text(v);
        if (t === undefined) return undefined;
        out[k] = t;
        break;
      }
      case 'type':
        if (!TYPES.has(v)) return undefined;
        out.type = v as FrontMatter['type'];
        break;
      case 'draft':
      case 'sync':
        if (typeof v !== 'boolean') return undefined;
        out[k] = v;
        break;
      case 'channels':
        if (!Array.isArray(v) || !v.every((c) => KNOWN_CHANNELS.has(c))) return undefined;
        out.channels = [...v] as FrontMatter['channels'];
        break;
      case 'segments': {
        if (!Array.isArray(v)) return undefined;
        const segments = v.map(text);
        if (segments.includes(undefined)) return undefined;
        out.segments = segments as string[];
        break;
      }
      case 'key': {
        const key = keyOf(v);
        if (key === undefined) return undefined;
        out.key = key;
        break;
      }
      default:
        return undefined;
    }
  }
  return out;
}
