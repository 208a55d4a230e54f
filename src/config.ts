// Config file + environment + flags -> one resolved Config. Flags win over the environment, which wins
// over the file. Pure: the caller reads the file. Every problem is reported at once.
import { z } from 'zod';
import { checkNamespace } from './core/namespace.js';
import type { NameMaps } from './core/parse.js';
import { defaultRuleSettings, resolveRuleSettings, type RuleSettings } from './core/rules/index.js';
import { UserError } from './errors.js';
import { checkWholeNumber, NUMBER_LIMITS, wholeNumberRule, type NumberSetting } from './limits.js';

export const CONFIG_FILE = 'opencx-sync.config.json';
export const DEFAULT_API_URL = 'https://api.open.cx';

/** A number in the config file, under the same limits as its flag. */
function wholeNumber(name: NumberSetting) {
  const [min, max] = NUMBER_LIMITS[name];
  const error = wholeNumberRule(name);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  dir: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  apiUrl: z.string().optional(),
  /** Several repositories, one organisation: each tags and sees only its own trainings (README, "Namespaces"). */
  namespace: z.string().optional(),
  directories: z.record(z.string(), z.string().min(1)).optional(),
  segments: z.record(z.string(), z.string().min(1)).optional(),
  ignore: z.array(z.string()).optional(),
  rateLimit: wholeNumber('rate-limit').optional(),
  concurrency: wholeNumber('concurrency').optional(),
  /** Content checks: `{"<rule id>": "off" | "warning" | "error" | {severity?, ...options}}` (docs/rules.md). */
  rules: z.record(z.string(), z.unknown()).optional(),
});

export interface Flags {
  dir?: string;
  state?: string;
  apiUrl?: string;
  namespace?: string;
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
  /** '' = the default namespace (the tag opencx-sync always wrote). */
  namespace: string;
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
  let names: NameMaps = { directories: new Map(), segments: new Map() };
  let rawJson: unknown;
  if (src.file) {
    let json: unknown;
    try {
      // Editors on Windows may save a BOM, which JSON.parse refuses.
      json = JSON.parse(src.file.text.replace(/^\uFEFF/, ''));
    } catch (err) {
      errors.push(`${src.file.path}: not valid JSON (${(err as Error).message})`);
    }
    rawJson = json;
    if (json !== undefined) {
      const r = fileSchema.safeParse(json);
      if (r.success) {
        file = r.data;
        names = namesOf(json as Record<string, unknown>, src.file.path, errors);
      } else {
        for (const i of r.error.issues) {
          const where = i.path.join('.') || 'top level';
          const msg = i.code === 'unrecognized_keys' ? `unknown ${i.keys.length === 1 ? 'key' : 'keys'} ${i.keys.join(', ')}; allowed: ${Object.keys(fileSchema.shape).join(', ')}` : i.message;
          errors.push(`${src.file.path}: ${where}: ${msg}`);
        }
      }
    }
  }
  let rules = defaultRuleSettings();
  // From the file's own JSON, not the schema's output: checked even when other keys are wrong, and a
  // "__proto__" entry (which the schema drops) is named as an unknown rule.
  const rawRules = rawJson !== null && typeof rawJson === 'object' && Object.hasOwn(rawJson, 'rules') ? (rawJson as Record<string, unknown>).rules : undefined;
  if (rawRules !== undefined) {
    const r = resolveRuleSettings(rawRules);
    rules = r.settings;
    errors.push(...r.errors.map((e) => `${src.file?.path}: ${e}`));
  }
  const env = src.env;
  const f = src.flags;
  const apiUrl = f.apiUrl ?? env.OPENCX_API_URL ?? file.apiUrl ?? DEFAULT_API_URL;
  const urlError = checkApiUrl(apiUrl);
  if (urlError) errors.push(urlError);
  // An empty variable is unset (CI often defines them empty); an empty flag or file value is the default namespace.
  const [namespace, namespaceFrom] =
    f.namespace !== undefined ? [f.namespace, '--namespace'] : env.OPENCX_SYNC_NAMESPACE ? [env.OPENCX_SYNC_NAMESPACE, 'OPENCX_SYNC_NAMESPACE'] : [file.namespace ?? '', `${src.file?.path}: namespace`];
  const namespaceError = checkNamespace(namespace);
  if (namespaceError) errors.push(`${namespaceFrom}: ${namespaceError}`);
  // The CLI checks these while parsing; checked again for other callers (the Action, the bench).
  const numbers: [NumberSetting, number | undefined][] = [
    ['rate-limit', f.rateLimit],
    ['concurrency', f.concurrency],
    ['timeout', f.timeout],
    ['retries', f.retries],
    ['retry-delay', f.retryDelay],
  ];
  for (const [name, v] of numbers) {
    const r = v === undefined ? undefined : checkWholeNumber(name, v);
    if (r && 'error' in r) errors.push(`--${name} ${r.error}`);
  }
  if (errors.length) throw new UserError(errors.join('\n'));
  return {
    cwd: src.cwd,
    dir: f.dir ?? env.OPENCX_SYNC_DIR ?? file.dir ?? 'trainings',
    statePath: f.state ?? env.OPENCX_SYNC_STATE ?? file.state ?? 'opencx-sync.state.json',
    apiUrl,
    apiKey: env.OPENCX_API_KEY || undefined,
    namespace,
    names,
    ignore: file.ignore ?? [],
    rateLimit: f.rateLimit ?? file.rateLimit ?? 100,
    concurrency: f.concurrency ?? file.concurrency ?? 4,
    timeoutMs: f.timeout ?? 30_000,
    attempts: (f.retries ?? 5) + 1,
    retryBaseMs: f.retryDelay ?? 1_000,
    rules,
  };
}

/**
 * Names as Maps, read from the parsed JSON itself: zod skips and drops a "__proto__" entry of a
 * record (it rebuilds records as plain objects), so each entry is checked here once more.
 */
function namesOf(json: Record<string, unknown>, file: string, errors: string[]): NameMaps {
  const map = (field: 'directories' | 'segments') => {
    const entries = Object.entries((Object.hasOwn(json, field) ? json[field] : undefined) ?? {});
    for (const [name, id] of entries) {
      if (typeof id !== 'string' || id === '') errors.push(`${file}: ${field}.${name}: must be an id (non-empty text)`);
    }
    return new Map(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
  };
  return { directories: map('directories'), segments: map('segments') };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The key travels in a header: plain http is allowed only to this machine (the sandbox). */
function checkApiUrl(raw: string): string | undefined {
  let url: URL;
  // Never repeat what could be a password: the part before an "@" is shown as "***".
  const shown = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i, (_, scheme: string | undefined) => `${scheme ?? ''}***@`);
  try {
    url = new URL(raw);
  } catch {
    return `API URL "${shown}" is not a URL: use e.g. ${DEFAULT_API_URL}`;
  }
  if (url.username || url.password) {
    return `API URL "${shown}" must not contain a user name or password: the key goes in OPENCX_API_KEY, the URL names only the server`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return `API URL "${shown}" must use https:// (plain http:// is allowed only for localhost, where the sandbox runs)`;
}
