// The body diff of a plan (text and Markdown) with control characters: they are shown as escapes, so a
// line that only gained a NUL or an escape does not print the same as the line it replaced.
import { describe, expect, it } from 'vitest';
import { createColors } from 'picocolors';
import { planChanges } from '../../src/core/plan.js';
import { planMarkdown } from '../../src/render/markdown.js';
import { renderPlan } from '../../src/render/report.js';
import { stateOf, training } from './builders.js';

const c = createColors(false);

function planOf(before: string, after: string) {
  const applied = training('a', { content: before });
  return planChanges({ trainings: [training('a', { content: after })], skipped: [], state: stateOf([applied]), prune: false });
}

describe('a body diff with control characters', () => {
  it('shows a NUL, an ESC and a DEL as \\u escapes in the plan text, so the two lines differ', () => {
    const text = renderPlan(planOf('ab pending\nsame', 'a\u0000b pending\nsame\u001b[2J\u007f'), { dir: 'trainings', c, verbose: false });
    expect(text).toContain('  - ab pending\n');
    expect(text).toContain('  + a\\u0000b pending\n');
    expect(text).toContain('  + same\\u001b[2J\\u007f');
    // Nothing raw reaches the terminal.
    expect(text).not.toMatch(/[\x00\x1b\x7f]/);
  });

  it('shows a tab and a carriage return too: they would otherwise look like spaces or nothing', () => {
    const text = renderPlan(planOf('x y', 'x\ty\r'), { dir: 'trainings', c, verbose: false });
    expect(text).toContain('  + x\\u0009y\\u000d');
  });

  it('shows them in the Markdown plan as well', () => {
    const md = planMarkdown(planOf('ab pending', 'a\u0000b pending'), { dir: 'trainings' });
    expect(md).toContain('+ a\\u0000b pending');
    expect(md).not.toMatch(/\x00/);
  });
});
