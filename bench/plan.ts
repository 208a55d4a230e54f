// npm run bench (1/2): plan over 10,000 training files. Prints wall time and peak memory of a fresh
// process doing scan + parse + validate + plan (the work of `opencx-sync plan`), and the whole CLI's time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config.js';
import { hashFields } from '../src/core/hash.js';
import { emptyState, serializeState } from '../src/core/state.js';
import { loadTrainings, runPlan } from '../src/engine.js';
import { generateTrainings } from './generate.js';

const N = Number(process.env.BENCH_FILES ?? 10_000);
const self = fileURLToPath(import.meta.url);
const cli = path.resolve(path.dirname(self), '../src/cli/main.js');

if (process.argv[2] === '--measure') {
  // Child mode: one cold run in a fresh process, so the memory figure is this run's own.
  const cwd = process.argv[3] as string;
  const config = resolveConfig({ cwd, env: {}, flags: {} });
  const t0 = performance.now();
  const { plan } = await runPlan(config, { prune: false, refresh: false });
  const ms = performance.now() - t0;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ms, rssMb, summary: plan?.summary }));
} else {
  const root = mkdtempSync(path.join(tmpdir(), 'opencx-bench-'));
  try {
    generateTrainings(root, N);
    // A state as after an apply, with 1% of the files edited since: the usual shape of a plan.
    const config = resolveConfig({ cwd: root, env: {}, flags: {} });
    const loaded = await loadTrainings(config);
    const state = emptyState('bench');
    loaded.trainings.forEach((t, i) => {
      const applied = i % 100 === 0 ? { ...t.fields, content: `${t.fields.content}\nOld line.` } : t.fields;
      state.trainings.set(t.key, { id: `id-${i}`, path: t.path, hash: hashFields(applied), applied });
    });
    writeFileSync(path.join(root, 'opencx-sync.state.json'), serializeState(state));

    const runs = [1, 2, 3].map(() => {
      const r = spawnSync(process.execPath, [self, '--measure', root], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { ms: number; rssMb: number; summary: Record<string, number> };
    });
    const cliMs = [1, 2, 3].map(() => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, 'plan', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(r.stderr);
      return performance.now() - t0;
    });
    const best = (xs: number[]) => Math.min(...xs).toFixed(0);
    console.log(`plan of ${N} files (${runs[0]?.summary.update} to update, ${runs[0]?.summary.unchanged} unchanged):`);
    console.log(`  scan + parse + validate + plan: best ${best(runs.map((r) => r.ms))} ms of 3 (target < 1000 ms)`);
    console.log(`  peak memory (max RSS):          ${Math.max(...runs.map((r) => r.rssMb)).toFixed(0)} MB (target < 200 MB)`);
    console.log(`  whole CLI, "plan --json":       best ${best(cliMs)} ms of 3, node start-up included`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
