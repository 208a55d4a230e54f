// The layering eslint.config.js enforces, pinned: each row is an import one layer must not make (and a
// few it may), linted as if it were in that layer's folder, so a weakened rule fails here.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const eslint = new ESLint({ cwd: ROOT });

async function restricted(file: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(`${code}\nexport const used = [x];\n`, { filePath: `${ROOT}/${file}` });
  return (result?.messages ?? []).some((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-globals');
}

describe('layers (eslint.config.js)', () => {
  it.each([
    ['src/core/x.ts', "import { x } from '../errors.js';"],
    ['src/core/x.ts', "import { x } from '../io/scan.js';"],
    ['src/core/rules/x.ts', "import { x } from '../../render/report.js';"],
    ['src/core/x.ts', "import { x } from 'node:fs';"],
    ['src/core/x.ts', 'const x = process.env;'],
    ['src/render/x.ts', "import { x } from 'node:fs/promises';"],
    ['src/render/x.ts', "import { x } from '../io/api.js';"],
    ['src/render/x.ts', "import { x } from '../engine.js';"],
    ['src/render/x.ts', "import { x } from '../cli/term.js';"],
    ['src/render/x.ts', "import x from 'picocolors';"],
    ['src/render/x.ts', 'const x = console;'],
    ['src/io/x.ts', "import { x } from '../engine.js';"],
    ['src/io/x.ts', "import { x } from '../apply.js';"],
    ['src/io/x.ts', "import { x } from '../render/report.js';"],
    ['src/io/x.ts', "import { x } from '../cli/main.js';"],
    ['src/engine.ts', "import { x } from './render/report.js';"],
    ['src/apply.ts', "import { x } from './cli/exit.js';"],
    ['src/cli/x.ts', "import { x } from '../action/main.js';"],
    ['src/action/x.ts', "import { x } from '../cli/main.js';"],
    ['src/sandbox/x.ts', "import { x } from '../io/api.js';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await restricted(file, code)).toBe(true);
  });

  it.each([
    ['src/core/rules/x.ts', "import { x } from '../training.js';"],
    ['src/render/x.ts', "import { x } from '../core/plan-contract.js';"],
    ['src/render/x.ts', "import type x from 'picocolors';"],
    ['src/io/x.ts', "import { x } from '../core/state.js';"],
    ['src/engine.ts', "import { x } from './io/scan.js';"],
    ['src/cli/x.ts', "import { x } from '../render/report.js';"],
    ['src/action/x.ts', "import { x } from '../render/markdown.js';"],
  ])('%s may: %s', async (file, code) => {
    expect(await restricted(file, code)).toBe(false);
  });
});

describe('function length in src/core (eslint.config.js)', () => {
  const fn = (lines: number) => `export function f(a: number): number {\n${Array.from({ length: lines - 2 }, (_, i) => `  a += ${i};`).join('\n')}\n}\n`;
  const tooLong = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
    return (result?.messages ?? []).some((m) => m.ruleId === 'max-lines-per-function');
  };

  it('refuses a core function over 60 lines, allows one of 60, and leaves other layers to their own judgement', async () => {
    expect(await tooLong('src/core/x.ts', fn(61))).toBe(true);
    expect(await tooLong('src/core/rules/x.ts', fn(61))).toBe(true);
    expect(await tooLong('src/core/x.ts', fn(60))).toBe(false);
    expect(await tooLong('src/io/x.ts', fn(61))).toBe(false);
  });
});
