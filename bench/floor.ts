// The floor the plan benchmarks are measured against: a whole process that walks the trainings folder,
// reads every .md and sha256-hashes it. Nothing the CLI does can cost less; ratios against it cancel
// out the machine and its load. Usage: node build/bench/floor.js <folder>; prints the file count.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && e.name.endsWith('.md')) out.push(p);
  }
}

const files: string[] = [];
walk(path.resolve(process.argv[2] ?? 'trainings'), files);
let n = 0;
for (const f of files) {
  createHash('sha256').update(readFileSync(f, 'utf8')).digest('hex');
  n++;
}
process.stdout.write(`${n}\n`);
