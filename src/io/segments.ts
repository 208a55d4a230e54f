// Open.cx's contact segments (`GET /contacts/segments`, read-only), read to resolve segment names in
// front-matter. Parsed leniently: the documented page envelope was cut off, so `{data: [...]}`,
// `{items: [...]}` and a bare array are all taken; paging is bounded.
import { z } from 'zod';
import { segmentDirectoryOf, type Segment, type SegmentDirectory } from '../core/segments.js';
import { ApiError, UserError } from '../errors.js';
import type { ApiClient } from './api.js';

/** The documented maximum page size. */
const PAGE = 100;
/** 10,000 segments: far more than an organisation defines by hand; beyond it the list is not trusted. */
const MAX_PAGES = 100;

const segmentSchema = z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), name: z.string() });
const pageSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({
    data: z.array(z.unknown()).optional(),
    items: z.array(z.unknown()).optional(),
    total: z.number().optional(),
    has_more: z.boolean().optional(),
  }),
]);

/** A key without `segments:read`: what the segment list answered (a UserError that says what to do). */
export class SegmentsForbiddenError extends UserError {}

/** An Open.cx without the segment list (404): the names can only come from the config. */
export class SegmentListMissingError extends UserError {}

/** Every segment, all pages, de-duplicated by id. A key without `segments:read` is a clear error. */
export async function fetchSegments(api: ApiClient): Promise<Segment[]> {
  const seen = new Map<string, Segment>();
  for (let page = 1; ; page++) {
    let body: unknown;
    try {
      ({ body } = await api.request({ method: 'GET', path: '/contacts/segments', query: { page, limit: PAGE } }, 'safe'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        throw new SegmentsForbiddenError(
          'the API key may not read segments (403 on GET /contacts/segments): a segment in the files is given by name, and names are looked up in Open.cx. Add the segments:read scope to the key in Open.cx (Settings > Access), or map the names to their ids under "segments" in the config file',
        );
      }
      // Not every Open.cx serves the list (or serves it at this path): a bare "404" says nothing to do.
      if (err instanceof ApiError && err.status === 404) {
        throw new SegmentListMissingError(
          'this Open.cx has no segment list (404 on GET /contacts/segments): a segment in the files is given by name, and names are looked up there. Map the names to their ids under "segments" in the config file, or use the ids in the files',
        );
      }
      throw err;
    }
    const parsed = pageSchema.safeParse(body);
    if (!parsed.success) throw new ApiError('GET', '/contacts/segments', null, 'unexpected segment list response', false);
    const p = parsed.data;
    const items = Array.isArray(p) ? p : (p.data ?? p.items ?? []);
    let fresh = 0;
    for (const raw of items) {
      // A segment without an id or a name cannot be named in a file: skipped.
      const s = segmentSchema.safeParse(raw);
      if (!s.success || seen.has(s.data.id)) continue;
      seen.set(s.data.id, { id: s.data.id, name: s.data.name });
      fresh++;
    }
    const total = Array.isArray(p) ? undefined : p.total;
    const more = Array.isArray(p) ? false : (p.has_more ?? (total === undefined ? items.length === PAGE : seen.size < total));
    // A bare array is one page; a page with nothing new ends a list that would otherwise go on forever,
    // unless its total says segments are missing: names would then be "unknown", or wrongly unique.
    if (fresh === 0 && more && total !== undefined && seen.size < total) {
      throw new ApiError('GET', '/contacts/segments', null, `the segment list repeated itself after ${seen.size} of its total of ${total} segments: stopped (map the names under "segments" in the config file instead)`, false);
    }
    if (!more || items.length === 0 || fresh === 0) break;
    if (page >= MAX_PAGES) {
      throw new ApiError('GET', '/contacts/segments', null, `the segment list went on for ${page} pages of ${PAGE}: stopped (map the names under "segments" in the config file instead)`, false);
    }
  }
  return [...seen.values()];
}

/** Segment names to ids, from Open.cx: what `plan --refresh`, `apply` and `import` resolve names with. */
export async function fetchSegmentDirectory(api: ApiClient): Promise<SegmentDirectory> {
  return segmentDirectoryOf(await fetchSegments(api));
}
