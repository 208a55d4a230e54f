// The CLI in process: runCli's twin for the cases a real process adds nothing to. Runs the command line
// through the program's own entry (run() in src/cli/main.ts, which builds the parser with buildCli),
// inside the test's process with the working folder, environment and non-terminal stdio a spawned
// child gets, and answers with the same CliResult. Saves Node's start-up and module loading per run.
// Spawn instead (runCli) for exit by signal, SIGKILL, real pipes and terminals, --help, --version and
// completion (yargs prints those with console.log and exits the process).
import { run } from '../src/cli/main.js';
import type { CliResult } from './helpers.js';
import { parseOutput, wantsJson } from './json-output.js';

/** yargs answers these itself and ends the process. */
const OWN_EXIT = new Set(['--help', '-h', '--version', '-v', 'completion', '--get-yargs-completions']);

/** Environment variables the test runner itself needs while a command runs (vitest reads them). */
const RUNNER_ENV = /^(VITEST|__VITEST|NODE_ENV$|TEST$|MODE$|DEV$|PROD$|SSR$|BASE_URL$)/;

let busy = false;

export async function runInProcess(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const own = args.find((a) => OWN_EXIT.has(a));
  if (own) throw new Error(`runInProcess: "${own}" ends the process; use runCli for it`);
  // One process has one working folder, one environment and one stdout: runs cannot overlap.
  if (busy) throw new Error('runInProcess: another run is in progress; use runCli for runs at the same time');
  busy = true;
  const restore: (() => void)[] = [];
  let stdout = '';
  let stderr = '';
  try {
    // The same environment as runCli gives a child: nothing of the developer's (OPENCX_*, GIT_*, CI...).
    const savedEnv = { ...process.env };
    for (const k of Object.keys(process.env)) if (!RUNNER_ENV.test(k)) delete process.env[k];
    for (const [k, v] of Object.entries({ PATH: savedEnv.PATH, HOME: savedEnv.HOME, NO_COLOR: '1', ...opts.env })) {
      if (v !== undefined) process.env[k] = v;
    }
    restore.push(() => {
      for (const k of Object.keys(process.env)) delete process.env[k];
      Object.assign(process.env, savedEnv);
    });

    const savedCwd = process.cwd();
    process.chdir(opts.cwd);
    restore.push(() => process.chdir(savedCwd));

    // A child's stdio are pipes: not terminals, no width.
    for (const [stream, props] of [[process.stdout, ['isTTY', 'columns']], [process.stderr, ['isTTY', 'columns']], [process.stdin, ['isTTY']]] as const) {
      for (const prop of props) {
        const had = Object.getOwnPropertyDescriptor(stream, prop);
        Object.defineProperty(stream, prop, { value: prop === 'isTTY' ? false : undefined, configurable: true, writable: true });
        restore.push(() => (had ? Object.defineProperty(stream, prop, had) : delete (stream as unknown as Record<string, unknown>)[prop]));
      }
    }
    for (const [stream, append] of [[process.stdout, (s: string) => (stdout += s)], [process.stderr, (s: string) => (stderr += s)]] as const) {
      const write = stream.write;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        if (cb) queueMicrotask(cb);
        return true;
      }) as typeof stream.write;
      restore.push(() => (stream.write = write));
    }

    // apply listens for Ctrl-C for the rest of its process; here the process goes on.
    const listeners = new Map((['SIGINT', 'SIGTERM'] as const).map((s) => [s, new Set(process.listeners(s))]));
    restore.push(() => {
      for (const [sig, before] of listeners) for (const l of process.listeners(sig)) if (!before.has(l)) process.off(sig, l);
    });

    process.exitCode = undefined;
    restore.push(() => (process.exitCode = undefined));
    await run(args);
    const result: CliResult = { code: Number(process.exitCode ?? 0), signal: null, stdout, stderr };
    // The JSON contract, as runCli checks it: exactly one document on stdout, matching its schema.
    if (wantsJson(args)) parseOutput(stdout);
    return result;
  } finally {
    for (const r of restore.reverse()) r();
    busy = false;
  }
}
