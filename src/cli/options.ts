// Option groups shared by the commands, and the one way flags become a Config.
import type { Argv } from 'yargs';
import type { Config } from '../config.js';
import { checkWholeNumber, type NumberSetting } from '../limits.js';

export interface CommonArgs {
  dir?: string;
  state?: string;
  namespace?: string;
  config?: string;
  verbose: boolean;
}

export function withCommon<T>(y: Argv<T>) {
  return y
    .option('dir', { type: 'string', describe: 'Folder of training Markdown files [default: trainings]' })
    .option('config', { type: 'string', describe: 'Config file [default: opencx-sync.config.json, here or in a parent folder up to the repository root]' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Show detail: every field, every request' });
}

/** Only for the commands that read or write the state file (validate does not). */
export function withState<T>(y: Argv<T>) {
  return y
    .option('state', { type: 'string', describe: 'State file [default: opencx-sync.state.json]' })
    .option('namespace', {
      type: 'string',
      requiresArg: true,
      describe: 'Own only the trainings of this namespace, when several repositories share one organisation [env OPENCX_SYNC_NAMESPACE, default: none]',
    });
}

export interface ApiArgs {
  'api-url'?: string;
  'rate-limit'?: number;
  concurrency?: number;
  timeout?: number;
  retries?: number;
  'retry-delay'?: number;
}

export function withApi<T>(y: Argv<T>) {
  return y
    .option('api-url', { type: 'string', describe: 'API base URL [env OPENCX_API_URL, default https://api.open.cx]' })
    .option('rate-limit', wholeNumber('rate-limit', 'Requests per minute to stay under; 0 = no pacing [default: 100]'))
    .option('concurrency', wholeNumber('concurrency', 'Requests in flight at once [default: 4]'))
    .option('timeout', wholeNumber('timeout', 'Milliseconds to wait for an answer [default: 30000]'))
    .option('retries', { ...wholeNumber('retries', 'Retries after a retryable failure [default: 5]'), hidden: true })
    .option('retry-delay', { ...wholeNumber('retry-delay', 'First backoff in milliseconds [default: 1000]'), hidden: true });
}

/**
 * A whole-number option, checked while the arguments are parsed: "abc", "-5", "1.5" or "" stop the
 * command as a usage error naming the flag. Untyped on purpose: yargs' number type turns "abc" into
 * NaN and "" into 0 before we could see them.
 */
export function wholeNumber(name: NumberSetting, describe: string) {
  return {
    describe,
    requiresArg: true,
    coerce: (raw: unknown): number => {
      const r = checkWholeNumber(name, raw);
      if ('error' in r) throw new Error(`--${name} ${r.error}`);
      return r.value;
    },
  };
}

export async function configFrom(args: CommonArgs & Partial<ApiArgs>): Promise<Config> {
  // Loaded here, not at start-up: `--help` and `sandbox` need none of it.
  const { resolveConfig } = await import('../config.js');
  const { readConfigFile } = await import('../io/config-file.js');
  const file = await readConfigFile(process.cwd(), args.config);
  return resolveConfig({
    // A config found in a parent folder makes the run relative to that folder (the repository root).
    cwd: file?.root ?? process.cwd(),
    ...(file ? { file: { path: file.path, text: file.text } } : {}),
    env: process.env,
    flags: {
      dir: args.dir,
      state: args.state,
      namespace: args.namespace,
      apiUrl: args['api-url'],
      rateLimit: args['rate-limit'],
      concurrency: args.concurrency,
      timeout: args.timeout,
      retries: args.retries,
      retryDelay: args['retry-delay'],
    },
  });
}
