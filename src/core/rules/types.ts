// What every content check gets and gives back. A rule is pure: files and settings in, findings out.
import type { z } from 'zod';
import type { TextPositions } from '../parse.js';
import type { Training } from '../training.js';

export type Severity = 'error' | 'warning';

/** A valid training with where its text sits in the file. */
export interface RuleFile {
  /** Path as people see it, relative to the working directory (the repository root). */
  displayPath: string;
  training: Training;
  positions?: TextPositions;
}

/** Facts from outside the files, gathered by the caller: the core reads nothing itself. */
export interface RuleContext {
  /** Repository paths (relative to the working directory) that exist; relative-link is off without it. */
  existingPaths?: ReadonlySet<string>;
  /** Segment id -> the name the config gives it, for messages. */
  segmentNames?: ReadonlyMap<string, string>;
}

export interface Finding {
  file: string;
  line: number;
  col: number;
  /** What is wrong and how to fix it. */
  message: string;
  /** The rule's default for this finding when the config sets no severity. */
  severity?: Severity;
}

export interface Rule<O> {
  id: string;
  /** One line for `--help`-like listings and docs. */
  summary: string;
  /** Options with their defaults; strict, so a misspelt option is an error in the config. */
  options: z.ZodType<O>;
  check(files: readonly RuleFile[], options: O, ctx: RuleContext): Finding[];
}
