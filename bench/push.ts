// npm run bench (push): throughput under the rate limit. A sandbox allows 100 requests per sliding minute
// (Open.cx's documented limit); the CLI, told the same limit, pushes N new trainings. Prints the rate
// achieved against the rate allowed and the 429s seen. N is 130 by default: the sustained rate is
// measured over whole windows (request 1 to request 1 + LIMIT), so one window and a bit is the shortest
// honest run (~80 s). BENCH_PUSH_N=230 measures over two windows; BENCH_RATE sets another limit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/sandbox/server.js';
import { generateTrainings } from './generate.js';
import { machine } from './measure.js';

const N = Number(process.env.BENCH_PUSH_N ?? 130);
const LIMIT = Number(process.env.BENCH_RATE ?? 100);
const WINDOW = 60_000;
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli/opencx-sync.js');

const root = mkdtempSync(path.join(tmpdir(), 'opencx-push-'));
const sandbox = await startSandbox({ port: 0, apiKey: 'bench-key', rateLimit: LIMIT, latencyMs: 15 });
try {
  generateTrainings(root, N);
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [cli, 'apply', '--yes', '--rate-limit', String(LIMIT), '--concurrency', '4'], {
      cwd: root,
      env: { ...process.env, OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: 'bench-key', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', resolve);
  });
  const wallMs = performance.now() - t0;
  const reqs = sandbox.state.requests;
  const times = reqs.map((r) => r.at).sort((a, b) => a - b);
  const spanMs = (times.at(-1) ?? 0) - (times[0] ?? 0);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= WINDOW) j++;
    peak = Math.max(peak, i - j + 1);
  }
  // Sustained rate: a sliding window lets request k go once request k-LIMIT is a minute old, so the
  // rate the limiter holds is measured from request 1 to request 1 + m*LIMIT (whole windows only).
  const m = Math.floor((times.length - 1) / LIMIT);
  const sustained = m > 0 ? ((m * LIMIT) / ((times[m * LIMIT] as number) - (times[0] as number))) * WINDOW : NaN;
  const throttled = reqs.filter((r) => r.status === 429).length;
  const created = [...sandbox.state.trainings.values()].length;
  console.log(`machine: ${machine()}`);
  console.log(`push of ${N} new trainings against a sandbox allowing ${LIMIT} requests/min (exit ${code}):`);
  console.log(`  requests: ${reqs.length} (${created} trainings created), 429 responses: ${throttled}`);
  console.log(`  first to last request: ${(spanMs / 1000).toFixed(1)} s; whole run ${(wallMs / 1000).toFixed(1)} s`);
  console.log(`  busiest 60 s window: ${peak} requests (allowed ${LIMIT})`);
  console.log(`  sustained rate: ${sustained.toFixed(0)} requests/min = ${((sustained / LIMIT) * 100).toFixed(1)}% of the allowed ${LIMIT}/min` +
    ` (average over the whole run ${((reqs.length / Math.max(spanMs, 1)) * WINDOW).toFixed(0)}/min)`);
  const ok = sustained / LIMIT >= 0.98 && throttled === 0 && peak <= LIMIT;
  console.log(`  target: >= 98% of the allowed rate, no 429, never over the limit in any 60 s window${ok ? '' : ': MISSED'}`);
  if (!ok) process.exitCode = 1;
} finally {
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
}
