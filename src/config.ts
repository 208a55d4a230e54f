// Config file + environment + flags -> one resolved Config. Flags win over the environment, which wins
// over the file. Pure: the caller reads the file. Every problem is reported at once.
import { z } from 'zod';
import type { NameMaps } from './core/parse.js';
import { defaultRuleSettings, resolveRuleSettings, type RuleSettings } from './core/rules/index.js';
import { UserError } from './errors.js';

export const CONFIG_FILE = 'opencx-sync.config.json';
export const DEFAULT_API_URL = 'https://api.open.cx';

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  dir: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  apiUrl: z.string().optional(),
  directories: z.record(z.string(), z.string().min(1)).optional(),
  segments: z.record(z.string(), z.string().min(1)).optional(),
  ignore: z.array(z.string()).optional(),
  rateLimit: z.number().int().nonnegative().optional(),
  concurrency: z.number().int().min(1).max(32).optional(),
  /** Content checks: `{"<rule id>": "off" | "warning" | "error" | {severity?, ...options}}` (docs/rules.md). */
  rules: z.record(z.string(), z.unknown()).optional(),
});

export interface Flags {
  dir?: string;
  state?: string;
  apiUrl?: string;
  rateLimit?: number;
  concurrency?: number;
  timeout?: number;
  retries?: number;
  retryDelay?: number;
}

export interface Config {
  cwd: string;
  dir: string;
  statePath: string;
  apiUrl: string;
  apiKey: string | undefined;
  names: NameMaps;
  ignore: string[];
  rateLimit: number;
  concurrency: number;
  timeoutMs: number;
  attempts: number;
  retryBaseMs: number;
  /** Settings of the content checks, every rule present; absent = every rule with its defaults. */
  rules?: RuleSettings;
}

export function resolveConfig(src: {
  cwd: string;
  file?: { path: string; text: string };
  env: Record<string, string | undefined>;
  flags: Flags;
}): Config {
  const errors: string[] = [];
  let file: z.infer<typeof fileSchema> = {};
  if (src.file) {
    let json: unknown;
    try {
      json = JSON.parse(src.file.text);
    } catch (err) {
      errors.push(`${src.file.path}: not valid JSON (${(err as Error).message})`);
    }
    if (json !== undefined) {
      const r = fileSchema.safeParse(json);
      if (r.success) file = r.data;
      else {
        for (const i of r.error.issues) {
          const where = i.path.join('.') || 'top level';
          const msg = i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}; allowed: ${Object.keys(fileSchema.shape).join(', ')}` : i.message;
          errors.push(`${src.file.path}: ${where}: ${msg}`);
        }
      }
    }
  }
  let rules = defaultRuleSettings();
  if (file.rules) {
    const r = resolveRuleSettings(file.rules);
    rules = r.settings;
    errors.push(...r.errors.map((e) => `${src.file?.path}: ${e}`));
  }
  const env = src.env;
  const f = src.flags;
  const apiUrl = f.apiUrl ?? env.OPENCX_API_URL ?? file.apiUrl ?? DEFAULT_API_URL;
  const urlError = checkApiUrl(apiUrl);
  if (urlError) errors.push(urlError);
  const numbers: [string, number | undefined, number, number][] = [
    ['--rate-limit', f.rateLimit, 0, 100_000],
    ['--concurrency', f.concurrency, 1, 32],
    ['--timeout', f.timeout, 100, 600_000],
    ['--retries', f.retries, 0, 20],
    ['--retry-delay', f.retryDelay, 0, 60_000],
  ];
  for (const [name, v, min, max] of numbers) {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) errors.push(`${name} must be a whole number from ${min} to ${max}`);
  }
  if (errors.length) throw new UserError(errors.join('\n'));
  return {
    cwd: src.cwd,
    dir: f.dir ?? env.OPENCX_SYNC_DIR ?? file.dir ?? 'trainings',
    statePath: f.state ?? env.OPENCX_SYNC_STATE ?? file.state ?? 'opencx-sync.state.json',
    apiUrl,
    apiKey: env.OPENCX_API_KEY || undefined,
    names: { directories: file.directories ?? {}, segments: file.segments ?? {} },
    ignore: file.ignore ?? [],
    rateLimit: f.rateLimit ?? file.rateLimit ?? 100,
    concurrency: f.concurrency ?? file.concurrency ?? 4,
    timeoutMs: f.timeout ?? 30_000,
    attempts: (f.retries ?? 5) + 1,
    retryBaseMs: f.retryDelay ?? 1_000,
    rules,
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The key travels in a header: plain http is allowed only to this machine (the sandbox). */
function checkApiUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `API URL "${raw}" is not a URL: use e.g. ${DEFAULT_API_URL}`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return `API URL "${raw}" must use https:// (plain http:// is allowed only for localhost, where the sandbox runs)`;
}
