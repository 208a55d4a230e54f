// npm run bench (3/3): validate over 10,000 training files with the content checks on, against the same
// run with every check off. The checks must cost at most 20% (ratio <= 1.2); exits 1 otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config.js';
import { RULE_IDS } from '../src/core/rules/index.js';
import { loadTrainings } from '../src/engine.js';
import { generateTrainings } from './generate.js';

const N = Number(process.env.BENCH_FILES ?? 10_000);
const RUNS = 5;
const LIMIT = 1.2;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--measure') {
  // Child mode: one cold run in a fresh process, with the given config file.
  const [cwd, configFile] = process.argv.slice(3) as [string, string];
  const file = { path: configFile, text: (await import('node:fs')).readFileSync(path.join(cwd, configFile), 'utf8') };
  const config = resolveConfig({ cwd, file, env: {}, flags: {} });
  const t0 = performance.now();
  const loaded = await loadTrainings(config);
  console.log(JSON.stringify({ ms: performance.now() - t0, files: loaded.files, issues: loaded.issues.length }));
} else {
  const root = mkdtempSync(path.join(tmpdir(), 'opencx-bench-rules-'));
  try {
    generateTrainings(root, N);
    writeFileSync(path.join(root, 'on.json'), JSON.stringify({ rules: {} }));
    writeFileSync(path.join(root, 'off.json'), JSON.stringify({ rules: Object.fromEntries(RULE_IDS.map((id) => [id, 'off'])) }));
    const measure = (which: string) => {
      const r = spawnSync(process.execPath, [self, '--measure', root, which], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { ms: number; files: number; issues: number };
    };
    // Alternate the two, so a busy machine slows both alike; keep the best of each.
    const on: number[] = [];
    const off: number[] = [];
    let found = 0;
    for (let i = 0; i < RUNS; i++) {
      off.push(measure('off.json').ms);
      const r = measure('on.json');
      on.push(r.ms);
      found = r.issues;
    }
    const bestOn = Math.min(...on);
    const bestOff = Math.min(...off);
    const ratio = bestOn / bestOff;
    console.log(`validate of ${N} files, best of ${RUNS} (scan + parse + validate):`);
    console.log(`  content checks off: ${bestOff.toFixed(0)} ms`);
    console.log(`  content checks on:  ${bestOn.toFixed(0)} ms (${found} ${found === 1 ? "finding" : "findings"})`);
    console.log(`  ratio on/off:       ${ratio.toFixed(2)}x (limit ${LIMIT}x)`);
    if (ratio > LIMIT) {
      console.error(`the content checks cost more than ${Math.round((LIMIT - 1) * 100)}%: ${ratio.toFixed(2)}x`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
