// npm run bench (1/4): whole-process `opencx-sync plan` and `plan --json` over 10,000 and 100,000 training
// files, with no state file and with a state where 1% of the files changed since, and once with the API key
// set as the Action runs it (every line printed is then searched for pieces of the key), against the floor (a
// process that walks the folder, reads every .md and sha256-hashes it) measured in the same run.
// Runs are interleaved (floor, plan, floor, plan --json, ...) so the machine's load hits all alike;
// figures are medians, and peak memory is each whole process's max RSS.
// BENCH_SIZES=10000,100000 (default) and BENCH_RUNS=5 (runs per figure; 3 at 100,000) change the work.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config.js';
import { hashFields } from '../src/core/hash.js';
import { emptyState, serializeState } from '../src/core/state.js';
import { loadTrainings } from '../src/engine.js';
import { generateTrainings } from './generate.js';
import { CLI, machine, median, runFloor, runProcess, type Run } from './measure.js';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Targets from issue 12: ratio to the floor, and peak RSS in MB. */
const TARGET = (n: number) => (n > 10_000 ? { ratio: 3.5, rssMb: 600 } : { ratio: 3, rssMb: 150 });

/** A state as after an apply, with 1% of the files edited since: the usual shape of a plan. */
async function writeState(root: string, file: string): Promise<void> {
  const loaded = await loadTrainings(resolveConfig({ cwd: root, env: {}, flags: {} }));
  const state = emptyState('bench');
  loaded.trainings.forEach((t, i) => {
    const applied = i % 100 === 0 ? { ...t.fields, content: `${t.fields.content}\nOld line.` } : t.fields;
    state.trainings.set(t.key, { id: `id-${i}`, path: t.path, hash: hashFields(applied), applied });
  });
  writeFileSync(path.join(root, file), serializeState(state));
}

const pad = (s: string, n: number) => s.padEnd(n);
let failed = false;
console.log(`machine: ${machine()}`);
for (const n of SIZES) {
  const runs = n > 10_000 ? Math.min(RUNS, 3) : RUNS;
  const root = mkdtempSync(path.join(tmpdir(), 'opencx-bench-plan-'));
  try {
    generateTrainings(root, n);
    await writeState(root, 'state.json');
    const scenarios = [
      { name: 'plan, no state', args: ['plan', '--state', 'none.json'] },
      { name: 'plan --json, no state', args: ['plan', '--json', '--state', 'none.json'] },
      { name: 'plan, 1% changed', args: ['plan', '--state', 'state.json'] },
      { name: 'plan --json, 1% changed', args: ['plan', '--json', '--state', 'state.json'] },
      // As the Action runs it: with the key set, every line printed is searched for pieces of it.
      { name: 'plan --json, no state, key', args: ['plan', '--json', '--state', 'none.json'], env: { OPENCX_API_KEY: 'bench-key-7Qx2mV9pL4sT8wZ1' } },
    ];
    // One untimed round first: the page cache and the disk then serve every timed run alike.
    runFloor(root);
    for (const s of scenarios) runProcess([CLI, ...s.args], { cwd: root, env: s.env });
    const floor: Run[] = [];
    const measured = new Map<string, Run[]>(scenarios.map((s) => [s.name, []]));
    for (let r = 0; r < runs; r++) {
      for (const s of scenarios) {
        floor.push(runFloor(root));
        measured.get(s.name)?.push(runProcess([CLI, ...s.args], { cwd: root, env: s.env }));
      }
    }
    // The --json output really is the plan: every file planned, as the summary says.
    const out = path.join(root, 'plan.json');
    runProcess([CLI, 'plan', '--json', '--state', 'state.json'], { cwd: root, stdout: out });
    const summary = (JSON.parse(readFileSync(out, 'utf8')) as { summary: Record<string, number> }).summary;
    const floorMs = median(floor.map((r) => r.ms));
    const target = TARGET(n);
    console.log(
      `\nplan of ${n.toLocaleString('en')} files (1% changed: ${summary.update} to update, ${summary.unchanged} unchanged), ` +
        `median of ${runs} runs each, whole processes:`,
    );
    console.log(`  ${pad('floor (walk, read, sha256)', 28)} ${floorMs.toFixed(0).padStart(6)} ms  1.00x  peak ${Math.max(...floor.map((r) => r.rssMb)).toFixed(0)} MB`);
    for (const s of scenarios) {
      const rs = measured.get(s.name) ?? [];
      const ms = median(rs.map((r) => r.ms));
      const ratio = ms / floorMs;
      const rss = Math.max(...rs.map((r) => r.rssMb));
      const ok = ratio <= target.ratio && rss < target.rssMb;
      if (!ok) failed = true;
      console.log(
        `  ${pad(s.name, 28)} ${ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(2)}x  peak ${rss.toFixed(0)} MB` +
          `  (target <= ${target.ratio}x, < ${target.rssMb} MB${ok ? '' : ': MISSED'})`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
if (failed) process.exitCode = 1;
