// Shared by the benchmarks: whole-process runs with their wall time and peak memory, medians, the machine.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The shipped CLI (package.json bin): the bundle in build/cli/. */
export const CLI = path.resolve(here, '../cli/opencx-sync.js');
const FLOOR = path.join(here, 'floor.js');
const RSS = path.join(here, 'rss.js');

export interface Run {
  ms: number;
  rssMb: number;
}

/**
 * One whole process (node start-up included), stdout into a file as `plan --json > plan.json` does;
 * exits on a failure, since a figure from a failed run means nothing.
 */
export function runProcess(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdout?: string; okCodes?: number[] }): Run {
  const rssFile = path.join(tmpdir(), `opencx-bench-rss-${process.pid}`);
  const outFile = opts.stdout ?? path.join(tmpdir(), `opencx-bench-out-${process.pid}`);
  const fd = openSync(outFile, 'w');
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', RSS, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, BENCH_RSS_OUT: rssFile, NO_COLOR: '1' },
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    if (!(opts.okCodes ?? [0]).includes(r.status ?? -1)) throw new Error(`${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
    const rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
    return { ms, rssMb };
  } finally {
    closeSync(fd);
    rmSync(rssFile, { force: true });
    if (!opts.stdout) rmSync(outFile, { force: true });
  }
}

/** The floor: walk the folder, read every .md and sha256 it, in a whole process like the CLI's. */
export function runFloor(cwd: string, dir = 'trainings'): Run {
  return runProcess([FLOOR, dir], { cwd });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}
