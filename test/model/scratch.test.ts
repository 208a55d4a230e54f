import { it } from 'vitest';
import { World } from './world.js';
import { enabledGens, type Op } from './ops.js';
const seqs: Record<string, Op[]> = JSON.parse(process.env.SEQS ?? '{}');
for (const [name, ops] of Object.entries(seqs)) {
  it(name, async () => {
    const w = await World.create(enabledGens({ FUZZ_ALL: '1' }, false));
    try { for (const o of ops) await w.run(o); await w.finish(); }
    catch (e) { (e as Error).message += '\n' + w.log.join('\n'); throw e; }
    finally { await w.close(); }
  });
}
