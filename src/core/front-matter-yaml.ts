// The YAML parsers, for the few front-matters the quick reader (front-matter-fast.ts) leaves to them and
// for placing errors. Apart from parse.ts so that loading them (~50 ms of module set-up) is paid only by a
// run that meets such a file: callers hand them to parseTrainingFile, or load this module when
// parseTrainingFileQuickly says a file needs it.
import jsyaml from 'js-yaml';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { FullYaml } from './parse.js';

export const FULL_YAML: FullYaml = {
  // The YAML 1.2 core schema: no timestamps, no merge keys, so it reads plain front-matter as `yaml` does.
  load: (src) => jsyaml.load(src, { schema: jsyaml.CORE_SCHEMA }),
  parseDocument,
  LineCounter,
  isMap,
  isScalar,
};
