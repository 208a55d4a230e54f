// npm run bench: every benchmark in turn, each in its own process, all run even when one misses its
// target; exits 1 if any did. Order: plan (the floor and the ratios), validate --staged, the content
// checks' cost, the state and client CPU figures, then push (the longest, about 70 s).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let failed: string[] = [];
for (const name of ['plan', 'staged', 'validate', 'state', 'push']) {
  console.log(`\n== bench/${name}.ts`);
  const r = spawnSync(process.execPath, [path.join(here, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) failed = [...failed, name];
}
if (failed.length) {
  console.log(`\nmissed a target or failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
