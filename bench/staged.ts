// npm run bench (validate --staged): the pre-commit hook in a 10,000-file repository with 3 files staged.
// Whole processes, interleaved with the floor (walk, read and sha256 every file); medians. The first run
// after a commit of many files builds the index cache in .git/opencx-sync (shown apart); later runs use it.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateTrainings } from './generate.js';
import { CLI, machine, median, runFloor, runProcess } from './measure.js';

const N = Number(process.env.BENCH_FILES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_MS = 300;

const root = mkdtempSync(path.join(tmpdir(), 'opencx-bench-staged-'));
try {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd: root, stdio: 'ignore' });
  generateTrainings(root, N);
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'trainings');
  for (let i = 1; i <= 3; i++) {
    const file = `trainings/area-${i}/topic-${i}/question-${i}.md`;
    appendFileSync(path.join(root, file), `One more line (${i}).\n`);
    git('add', file);
  }
  const args = [CLI, 'validate', '--staged'];
  const cold = runProcess(args, { cwd: root });
  const floor: number[] = [];
  const runs: { ms: number; rssMb: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    floor.push(runFloor(root).ms);
    runs.push(runProcess(args, { cwd: root }));
  }
  const ms = median(runs.map((r) => r.ms));
  const floorMs = median(floor);
  console.log(`machine: ${machine()}`);
  console.log(`validate --staged, 3 of ${N.toLocaleString('en')} files staged, median of ${RUNS} runs, whole processes:`);
  console.log(`  floor (walk, read, sha256 every file)  ${floorMs.toFixed(0).padStart(5)} ms`);
  console.log(
    `  validate --staged                      ${ms.toFixed(0).padStart(5)} ms  ${(ms / floorMs).toFixed(2)}x the floor, peak ${Math.max(...runs.map((r) => r.rssMb)).toFixed(0)} MB` +
      `  (target <= ${TARGET_MS} ms${ms <= TARGET_MS ? '' : ': MISSED'})`,
  );
  console.log(`  first run after the commit (builds the index cache): ${cold.ms.toFixed(0)} ms`);
  if (ms > TARGET_MS) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
