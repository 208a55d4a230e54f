// The content checks: the registry, their settings from the config, and the one runner validate calls.
import { z } from 'zod';
import type { Issue } from '../issue.js';
import { behavioralBudget } from './behavioral-budget.js';
import { channelFormat } from './channel-format.js';
import { duplicateTrigger } from './duplicate-trigger.js';
import { personalData } from './personal-data.js';
import { placeholder } from './placeholder.js';
import { relativeLink } from './relative-link.js';
import { SEGMENT_LOOKUP, segmentLookup } from './segment-lookup.js';
import type { Rule, RuleContext, RuleFile, Severity } from './types.js';

export type { RuleContext, RuleFile } from './types.js';
export { linkTargets } from './relative-link.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each rule has its own options type
export const RULES: readonly Rule<any>[] = [duplicateTrigger, behavioralBudget, personalData, channelFormat, placeholder, relativeLink, segmentLookup];
export const RULE_IDS = RULES.map((r) => r.id);
/** The rules whose findings on a file depend on the other files (validate --staged runs them over every file). */
export const ACROSS_FILES: ReadonlySet<string> = new Set([duplicateTrigger.id, behavioralBudget.id]);
/** The rules whose findings the parser makes (they come with each file's own issues). */
export const PARSE_RULES: ReadonlySet<string> = new Set([SEGMENT_LOOKUP]);

export interface RuleSetting {
  /** undefined: the rule's own default per finding (duplicate-trigger: error when identical). */
  severity: Severity | 'off' | undefined;
  options: Record<string, unknown>;
}

/** Resolved settings for every rule, keyed by rule id. */
export type RuleSettings = Map<string, RuleSetting>;

const SEVERITY = z.enum(['off', 'warning', 'error']);

/**
 * `"rules": {"<id>": "off" | "warning" | "error" | {"severity"?: ..., ...options}}` -> settings for
 * every rule (defaults filled in), and every problem as a message naming the rule and the option.
 */
export function resolveRuleSettings(raw: unknown): { settings: RuleSettings; errors: string[] } {
  const errors: string[] = [];
  const given = new Map<string, unknown>();
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) errors.push('rules: must be an object like {"placeholder": "error"}');
    else for (const [id, v] of Object.entries(raw)) given.set(id, v);
  }
  for (const id of given.keys()) {
    if (!RULE_IDS.includes(id)) errors.push(`rules: unknown rule "${id}"; the rules are ${RULE_IDS.join(', ')}`);
  }
  const settings: RuleSettings = new Map();
  for (const rule of RULES) {
    const v = given.get(rule.id);
    let severity: RuleSetting['severity'];
    let opts: unknown = {};
    if (typeof v === 'string') {
      const s = SEVERITY.safeParse(v);
      if (s.success) severity = s.data;
      else errors.push(`rules.${rule.id}: "${v}" is not a severity; use "off", "warning" or "error"`);
    } else if (v !== undefined) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        errors.push(`rules.${rule.id}: use "off", "warning", "error" or an object of options`);
      } else {
        const { severity: s, ...rest } = v as Record<string, unknown>;
        if (s !== undefined) {
          const parsed = SEVERITY.safeParse(s);
          if (parsed.success) severity = parsed.data;
          else errors.push(`rules.${rule.id}.severity: use "off", "warning" or "error"`);
        }
        opts = rest;
      }
    }
    const parsed = rule.options.safeParse(opts);
    if (parsed.success) settings.set(rule.id, { severity, options: parsed.data as Record<string, unknown> });
    else {
      for (const i of parsed.error.issues) {
        const where = i.path.length ? `.${i.path.join('.')}` : '';
        const msg = i.code === 'unrecognized_keys' ? `unknown ${i.keys.length === 1 ? 'option' : 'options'} ${i.keys.join(', ')}` : i.message;
        errors.push(`rules.${rule.id}${where}: ${msg}`);
      }
      settings.set(rule.id, { severity: 'off', options: {} });
    }
  }
  return { settings, errors };
}

export function defaultRuleSettings(): RuleSettings {
  return resolveRuleSettings(undefined).settings;
}

/** Runs every rule that is not off. Each finding becomes an issue carrying the rule id. */
export function runRules(files: readonly RuleFile[], settings: RuleSettings, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  for (const rule of RULES) {
    const s = settings.get(rule.id) ?? { severity: undefined, options: rule.options.parse({}) };
    if (s.severity === 'off') continue;
    for (const f of rule.check(files, s.options, ctx)) {
      issues.push({ file: f.file, line: f.line, col: f.col, message: f.message, severity: s.severity ?? f.severity ?? 'warning', rule: rule.id });
    }
  }
  return issues;
}

/** A parser's issue that carries a rule id, as the config sets that rule: dropped when off, else its severity. */
export function applyParseRules(issues: readonly Issue[], settings: RuleSettings): Issue[] {
  return issues.flatMap((i) => {
    if (i.rule === undefined || !PARSE_RULES.has(i.rule)) return [i];
    const s = settings.get(i.rule)?.severity;
    if (s === 'off') return [];
    return [s ? { ...i, severity: s } : i];
  });
}
