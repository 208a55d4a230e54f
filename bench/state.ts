// npm run bench (state): what recording a change costs as the state grows.
// 1. A state commit at 0, 1,000 and 10,000 tracked trainings: the journal's per-event commit, the old
//    whole-file rewrite per event for comparison, the end-of-run fold, and the machine's floor (one
//    fsynced append of a small line to a plain file), so the figures read as ratios on a loaded machine.
// 2. Client CPU per write request: the engine in this process against a sandbox in a child process with
//    no rate limit, process.cpuUsage() from the first outcome to the last, divided by the outcomes
//    (one write request each), for creates and updates at 0 and at 10,000 tracked trainings.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type Config } from '../src/config.js';
import { emptyState, serializeState, type State, type StateEvent } from '../src/core/state.js';
import type { TrainingFields } from '../src/core/training.js';
import { runApply } from '../src/engine.js';
import { JOURNAL_FROM_BYTES, recoverState, StateStore, writeStateFile } from '../src/io/state-file.js';
import { generateTrainings } from './generate.js';

const SIZES = [0, 1_000, 10_000];
const EVENTS = Number(process.env.BENCH_STATE_EVENTS ?? 200);
const REQUESTS = Number(process.env.BENCH_STATE_REQUESTS ?? 500);
const TRACKED = Number(process.env.BENCH_STATE_TRACKED ?? 10_000);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli/opencx-sync.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;
const f = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));

function fieldsOf(i: number): TrainingFields {
  // About the size of bench/generate.ts's trainings once parsed.
  const content = `When a customer asks about case ${i}, first confirm the order number and the email on the account.\n`.repeat(4);
  return { title: `How do I handle case ${i}?`, content, type: 'SCENARIO_SPECIFIC', draft: false, directory: null, channels: ['web'], segments: [] };
}

function stateOf(n: number): State {
  const state = emptyState('bench');
  for (let i = 0; i < n; i++) state.trainings.set(`area/question-${i}`, { id: `id-${i}`, path: `area/question-${i}.md`, hash: `h${i}`.padEnd(64, '0'), applied: fieldsOf(i) });
  return state;
}

/** A create as the apply records it: the intent, then the answer. */
function createEvents(k: number): StateEvent[] {
  return [
    { type: 'intent', key: `new/${k}`, path: `new/${k}.md`, hash: 'n'.repeat(64) },
    { type: 'written', key: `new/${k}`, id: `new-id-${k}`, path: `new/${k}.md`, hash: 'n'.repeat(64), fields: fieldsOf(1_000_000 + k) },
  ];
}

/** The machine's floor: one small line appended to a plain file and fsynced, as the journal does it. */
async function fsyncFloor(dir: string, n: number): Promise<number> {
  const fh = await open(path.join(dir, 'floor'), 'a');
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fh.write(`{"type":"intent","key":"k${i}"}\n`);
      await fh.sync();
      times.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
  }
  return median(times);
}

async function commitCosts(root: string) {
  for (const n of SIZES) {
    // Measured next to each size: the load on a shared machine changes by the minute.
    const floor = await fsyncFloor(root, 50);
    const file = path.join(root, `state-${n}.json`);
    const state = stateOf(n);
    writeFileSync(file, serializeState(state));
    const bytes = statSync(file).size;
    // As the engine does: the state file is read (and any journal folded) under the lock, before planning.
    const { base } = await recoverState(file);
    const store = new StateStore(file, state, undefined, { base });
    let t0 = performance.now();
    await store.commit({ type: 'begin' });
    const first = performance.now() - t0;
    const times: number[] = [];
    for (let k = 0; times.length < EVENTS; k++) {
      for (const e of createEvents(k)) {
        t0 = performance.now();
        await store.commit(e);
        times.push(performance.now() - t0);
      }
    }
    t0 = performance.now();
    await store.close();
    const fold = performance.now() - t0;
    // The old design: every event rewrote the whole file durably (a few rounds; it is slow at 10,000).
    const rounds = n >= 10_000 ? 5 : 20;
    const old: number[] = [];
    for (let i = 0; i < rounds; i++) {
      t0 = performance.now();
      await writeStateFile(file, state);
      old.push(performance.now() - t0);
    }
    const m = median(times);
    console.log(
      `${String(n).padStart(6)} tracked (floor: a fsynced small append, ${f(floor)} ms) (${(bytes / 1e6).toFixed(1)} MB state): commit median ${f(m)} ms, p95 ${f(p95(times))} ms` +
        ` (${(m / floor).toFixed(1)}x the floor) over ${times.length} events${bytes < JOURNAL_FROM_BYTES ? ' (whole rewrites until the file passes the journal threshold)' : ''}; first commit ${f(first)} ms;` +
        ` fold at the end ${f(fold)} ms; whole rewrite per event (before) ${f(median(old))} ms = ${(median(old) / m).toFixed(0)}x the commit`,
    );
  }
}

async function startSandboxChild(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [cli, 'sandbox', '--port', '0', '--rate-limit', '0', '--api-key', 'bench-key'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/\S+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited (${code})`)));
  });
  return { url, stop: () => child.kill() };
}

/**
 * Throw-away applies, each against its own sandbox, so the first measured run does not pay for the JIT
 * (measured: the first 500 creates of a process cost about 1.7x the later ones).
 */
async function warmUp() {
  for (let round = 0; round < 2; round++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'opencx-state-warm-'));
    const sandbox = await startSandboxChild();
    try {
      generateTrainings(dir, REQUESTS);
      const config = resolveConfig({ cwd: dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: 'bench-key' }, flags: { rateLimit: 0 } });
      await runApply(config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true });
    } finally {
      sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function clientCpu(root: string) {
  await warmUp();
  const sandbox = await startSandboxChild();
  try {
    const config = resolveConfig({ cwd: root, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: 'bench-key' }, flags: { rateLimit: 0 } });
    const apply = (label: string) => measuredApply(config, label);
    /** Appends a fixed line: generateTrainings rewrites the first files as new, and this restores them as applied. */
    const edit = (from: number, to: number, tag: string) => {
      for (let i = from; i < to; i++) appendFileSync(path.join(root, 'trainings', `area-${i % 40}`, `topic-${i % 7}`, `question-${i}.md`), `Edited (${tag}).\n`);
    };
    generateTrainings(root, REQUESTS);
    const create0 = await apply(`creates at 0 tracked`);
    edit(0, REQUESTS, 'a');
    const update0 = await apply(`updates at ${REQUESTS} tracked`);
    generateTrainings(root, TRACKED);
    edit(0, REQUESTS, 'a');
    await apply(`seeding to ${TRACKED} tracked`);
    generateTrainings(root, TRACKED + REQUESTS);
    edit(0, REQUESTS, 'a');
    const createN = await apply(`creates at ${TRACKED} tracked`);
    edit(REQUESTS, 2 * REQUESTS, 'b');
    const updateN = await apply(`updates at ${TRACKED + REQUESTS} tracked`);
    // The JIT keeps improving over the first few thousand requests: measure 0 tracked once more, last.
    const again = await createsAtZero();
    console.log(
      `ratio ${TRACKED} tracked / 0 tracked: creates ${(createN / create0).toFixed(2)}x (${(createN / again).toFixed(2)}x against the second 0 tracked run),` +
        ` updates ${(updateN / update0).toFixed(2)}x (target: <= 2 ms per write request, the same at both sizes)`,
    );
  } finally {
    sandbox.stop();
  }
}

/** Creates at 0 tracked in a fresh folder against a fresh sandbox. */
async function createsAtZero(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'opencx-state-zero-'));
  const sandbox = await startSandboxChild();
  try {
    generateTrainings(dir, REQUESTS);
    const config = resolveConfig({ cwd: dir, env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: 'bench-key' }, flags: { rateLimit: 0 } });
    return await measuredApply(config, 'creates at 0 tracked, again (fresh folder and sandbox, after the runs above)');
  } finally {
    sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One apply; client CPU per write request from the first outcome to the last (one write request each). */
async function measuredApply(config: Config, label: string): Promise<number> {
  let first: NodeJS.CpuUsage | undefined;
  let last: NodeJS.CpuUsage | undefined;
  let outcomes = 0;
  const whole0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runApply(
    config,
    { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true },
    {
      onOutcome: () => {
        outcomes++;
        if (!first) first = process.cpuUsage();
        else last = process.cpuUsage(first);
      },
    },
  );
  const whole = process.cpuUsage(whole0);
  const failed = r.outcomes.filter((o) => o.status === 'failed').length;
  const per = (us: number) => us / 1000 / (outcomes - 1);
  const ms = last ? per(last.user + last.system) : NaN;
  console.log(
    `${label}: ${r.outcomes.length} outcomes (${failed} failed), ${r.stats?.requests} requests; client CPU per write request ${f(ms)} ms` +
      (last ? ` (user ${f(per(last.user))}, system ${f(per(last.system))})` : '') +
      ` (first to last outcome); whole run ${((whole.user + whole.system) / 1000).toFixed(0)} ms CPU, ${((performance.now() - t0) / 1000).toFixed(1)} s wall`,
  );
  return ms;
}

const cpu = cpus();
console.log(`machine: ${cpu.length} cores, ${cpu[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
const root = mkdtempSync(path.join(tmpdir(), 'opencx-state-bench-'));
try {
  // BENCH_STATE_PART=commit or cpu runs one half.
  const part = process.env.BENCH_STATE_PART;
  if (part !== 'cpu') await commitCosts(root);
  if (part !== 'commit') await clientCpu(root);
} finally {
  rmSync(root, { recursive: true, force: true });
}
