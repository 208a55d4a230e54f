// Preloaded into a measured child (node --import): writes its peak RSS in KB to $BENCH_RSS_OUT at exit,
// so the figure is that whole process's own, the CLI's and the floor's alike.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
