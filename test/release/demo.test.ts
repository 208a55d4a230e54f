// `npm run demo` is one of the README's two set-up commands: it must run on a fresh clone.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

it('the demo validates, shows an audience, plans, applies and ends with nothing to do', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'build/scripts/demo.js')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('$ opencx-sync audience --channel phone_voice');
  expect(r.stdout).toMatch(/No changes/);
});
