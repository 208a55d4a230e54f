// `opencx-sync sandbox`: the local Open.cx API, with its readings and fault switches as flags.
import type { Argv } from 'yargs';
import { UsageError, UserError } from '../errors.js';
import { behaviourOf, READING_NAMES } from '../sandbox/readings.js';
import type { Named } from '../sandbox/server.js';
import { createTerm } from './term.js';

interface Args {
  port: number;
  host: string;
  'api-key': string;
  'read-only-key'?: string;
  'training-only-key'?: string;
  'rate-limit': number;
  'rate-window': number;
  data?: string;
  directories?: string;
  segments?: string;
  latency: number;
  'fail-every': number;
  'drop-every': number;
  'unknown-directory-status': 400 | 404;
  reading: string[];
  verbose: boolean;
}

export const sandboxCommand = {
  command: 'sandbox',
  describe: 'Start a local Open.cx API (in memory) for trying the tool and for tests',
  builder: (y: Argv) =>
    y
      .option('port', { type: 'number', default: 4010, describe: 'Port; 0 picks a free one' })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('api-key', { type: 'string', default: 'sandbox-key', describe: 'Key with full access' })
      .option('read-only-key', { type: 'string', describe: 'Key with only the read scopes (writes get 403)' })
      .option('training-only-key', { type: 'string', describe: 'Key with training:read and training:write but not segments:read (segment reads get 403)' })
      .option('rate-limit', { type: 'number', default: 100, describe: 'Requests per minute (sliding); 0 = unlimited' })
      .option('rate-window', { type: 'number', default: 60_000, hidden: true, describe: 'Rate-limit window in ms (tests)' })
      .option('data', { type: 'string', describe: 'JSON file to load at start and save on every write' })
      .option('directories', { type: 'string', describe: 'Seeded directories as id=name,...' })
      .option('segments', { type: 'string', describe: 'Seeded segments as id=name,... (UUID ids)' })
      .option('latency', { type: 'number', default: 0, describe: 'Added delay per request, ms' })
      .option('fail-every', { type: 'number', default: 0, describe: 'Answer every Nth request with 503' })
      .option('drop-every', { type: 'number', default: 0, describe: 'Commit every Nth POST, then drop the connection unanswered' })
      .option('unknown-directory-status', { choices: [400, 404] as const, default: 400 as const })
      .option('reading', {
        type: 'string',
        array: true,
        choices: READING_NAMES,
        default: ['strict'],
        describe: 'How to behave where the API docs are silent; repeat to combine (see docs/api-assumptions.md)',
      })
      .option('verbose', { type: 'boolean', default: false, describe: 'Log each request to stderr' }),
  handler: async (args: Args) => {
    const { DEFAULT_DIRECTORIES, DEFAULT_SEGMENTS, startSandbox } = await import('../sandbox/server.js');
    const term = createTerm(args.verbose);
    let behaviour: ReturnType<typeof behaviourOf>;
    try {
      behaviour = behaviourOf(args.reading);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // Without a limit there are no headers to send: the reading would change nothing, silently.
    if (behaviour.rateLimitHeaders && !(args['rate-limit'] > 0)) throw new UsageError('--reading rate-limit-headers needs a rate limit: pass --rate-limit above 0');
    const sandbox = await startSandbox({
      port: args.port,
      host: args.host,
      apiKey: args['api-key'],
      ...(args['read-only-key'] ? { readOnlyKey: args['read-only-key'] } : {}),
      ...(args['training-only-key'] ? { trainingOnlyKey: args['training-only-key'] } : {}),
      rateLimit: args['rate-limit'],
      rateWindowMs: args['rate-window'],
      ...(args.data ? { dataFile: args.data } : {}),
      directories: args.directories ? parseNamed(args.directories, '--directories') : DEFAULT_DIRECTORIES,
      segments: args.segments ? parseNamed(args.segments, '--segments') : DEFAULT_SEGMENTS,
      latencyMs: args.latency,
      failEvery: args['fail-every'],
      dropEvery: args['drop-every'],
      unknownDirectoryStatus: args['unknown-directory-status'],
      behaviour,
    });
    term.out(sandbox.url);
    term.out(sandbox.apiKey);
    term.err(`Sandbox Open.cx API listening. In another shell:\n  export OPENCX_API_URL=${sandbox.url} OPENCX_API_KEY=<the key above>\nCtrl-C stops it.`);
    if (args.verbose) {
      const log = sandbox.state.requests;
      let shown = 0;
      setInterval(() => {
        while (log.length > shown && log[shown]?.status) {
          const r = log[shown++];
          if (r) term.err(`${r.method} ${r.path}${r.query} -> ${r.status}`);
        }
      }, 200).unref();
    }
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
    });
    await sandbox.close();
  },
};

function parseNamed(spec: string, flag: string): Named[] {
  return spec.split(',').map((pair) => {
    const [id, ...name] = pair.split('=');
    if (!id || name.length === 0) throw new UserError(`${flag}: "${pair}" is not id=name`);
    return { id: id.trim(), name: name.join('=').trim() };
  });
}
