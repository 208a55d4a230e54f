// segment-lookup: a segment name the config does not map, left for Open.cx's segment list to resolve
// (offline, nothing can check it). Found while parsing, where the name's line is known; this entry
// makes it a rule like the others, so the config can switch it off (validate --strict) or make it an error.
import { z } from 'zod';
import type { Rule } from './types.js';

const options = z.strictObject({});

export const SEGMENT_LOOKUP = 'segment-lookup';

export const segmentLookup: Rule<z.infer<typeof options>> = {
  id: SEGMENT_LOOKUP,
  summary: 'a segment name not in "segments" of the config, which only Open.cx can resolve (plan --refresh, apply)',
  options,
  // The findings come from the parser (see applyParseRules); there is nothing left to look at here.
  check: () => [],
};
