// npm run demo: the whole loop on a local sandbox. Starts `opencx-sync sandbox --port 0`, then runs
// validate, the audience view, plan, apply and plan again on the sample trainings, with a throw-away state file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'build/cli/opencx-sync.js');
const work = mkdtempSync(path.join(tmpdir(), 'opencx-sync-demo-'));
const state = path.join(work, 'state.json');

// Open.cx allows 100 requests a minute, which paces 11 creates over 7 s; the local sandbox allows more,
// and the apply below says so with --rate-limit, so the demo takes seconds.
const RATE = '600';
const sandbox = spawn(process.execPath, [cli, 'sandbox', '--port', '0', '--rate-limit', RATE], { stdio: ['ignore', 'pipe', 'ignore'] });
const lines = createInterface({ input: sandbox.stdout })[Symbol.asyncIterator]();
const url = (await lines.next()).value as string;
const key = (await lines.next()).value as string;

// The state file through the environment: validate and audience never read it, and have no --state.
const env = { ...process.env, OPENCX_API_URL: url, OPENCX_API_KEY: key, OPENCX_SYNC_STATE: state };
const step = (title: string, args: string[]) => {
  const bold = (s: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
  console.log(`\n${bold(`$ opencx-sync ${args.join(' ')}`)}   # ${title}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
  return r.status ?? 1;
};

let failed = false;
try {
  console.log(`Sandbox Open.cx API at ${url}; state file ${state}`);
  failed ||= step('offline: check the trainings, content checks included', ['validate', '--strict']) !== 0;
  failed ||= step('offline: what a caller on the phone is told', ['audience', '--channel', 'phone_voice']) !== 0;
  failed ||= step('offline: what would change', ['plan']) !== 0;
  failed ||= step(`push the sample trainings (the sandbox allows ${RATE} requests a minute)`, ['apply', '--yes', '--rate-limit', RATE]) !== 0;
  failed ||= step('nothing left to do', ['plan', '--detailed-exitcode']) !== 0;
} finally {
  sandbox.kill();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
