// Apply summaries count what happened: an adopted training was not created (issue 8, item 22).
import { describe, expect, it } from 'vitest';
import { countOutcomes, type Outcome } from '../../src/core/outcome.js';
import type { Change } from '../../src/core/plan.js';
import pc from 'picocolors';
import { applySummaryLine, renderApplyEnd } from '../../src/render/report.js';
import { applyDocument } from '../../src/render/json.js';
import { applyMarkdown } from '../../src/render/markdown.js';
import { planChanges } from '../../src/core/plan.js';
import { emptyState } from '../../src/core/state.js';
import { training } from './builders.js';

const plan = planChanges({ trainings: [training('a'), training('b')], skipped: [], state: emptyState('l'), prune: false });
const [ca, cb] = plan.changes as [Change, Change];
const outcomes: Outcome[] = [
  { status: 'created', change: ca, id: 'id-a' },
  { status: 'adopted', change: cb, id: 'id-b' },
];

describe('apply summary', () => {
  it('counts adopted trainings apart from created ones', () => {
    expect(countOutcomes(outcomes)).toMatchObject({ created: 1, adopted: 1 });
    expect(applySummaryLine(outcomes, 3)).toBe('Apply: 1 created, 1 adopted, 0 updated, 0 moved, 0 deleted, 0 failed. 3 unchanged.');
    expect(applyDocument(outcomes, plan.summary.unchanged, 'trainings').summary).toMatchObject({ created: 1, adopted: 1 });
    expect(applyMarkdown(outcomes, plan, { dir: 'trainings', names: { directories: new Map(), segments: new Map() } })).toContain('**1** created, **1** adopted,');
  });

  it('leaves adopted out of the line when there is none', () => {
    expect(applySummaryLine(outcomes.slice(0, 1), 0)).toBe('Apply: 1 created, 0 updated, 0 moved, 0 deleted, 0 failed. 0 unchanged.');
  });

  it('ends a run with the summary, and the failures again together when others succeeded', () => {
    const c = pc.createColors(false);
    const failed: Outcome = { status: 'failed', change: cb, message: 'the API kept different values for title' };
    expect(renderApplyEnd([outcomes[0] as Outcome, failed], plan, { dir: 'trainings', c })).toBe(
      [
        'Apply: 1 created, 0 updated, 0 moved, 0 deleted, 1 failed. 0 unchanged.',
        'Failed:',
        '  x failed  b (trainings/b.md): the API kept different values for title',
      ].join('\n'),
    );
    expect(renderApplyEnd([failed], plan, { dir: 'trainings', c })).toBe('Apply: 0 created, 0 updated, 0 moved, 0 deleted, 1 failed. 0 unchanged.');
  });
});
