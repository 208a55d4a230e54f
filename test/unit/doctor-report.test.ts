// The pure side of doctor: result and exit code from the checks, and the table drawn within the width.
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit.js';
import { CHECKS, completeChecks, renderDoctorReport, resultOf, wrap, type Check, type CheckId, type DoctorReport } from '../../src/core/doctor.js';

const plain = { green: (s: string) => s, yellow: (s: string) => s, red: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };

function report(seen: [CheckId, Check['verdict'], string][], over: Partial<DoctorReport> = {}): DoctorReport {
  const checks = completeChecks(new Map(seen.map(([id, verdict, observed]) => [id, { verdict, observed, tool: 'does a thing about it' }])), 'not checked');
  return {
    format_version: 1, command: 'doctor', tool_version: '0', api_url: 'https://api.open.cx', started_at: '', finished_at: '',
    result: resultOf(checks), checks, probe: { id: 'p1', removed: true, leftovers_removed: [] }, requests: [], ...over,
  };
}

describe('doctor report', () => {
  it('the worst verdict decides, an interrupt wins, a stop without a breaking check is an error', () => {
    const holds = report([['key', 'holds', '200']]);
    expect(holds.result).toBe('holds');
    expect(exitCodeOf(holds)).toBe(0);
    const differs = report([['key', 'holds', '200'], ['create-status', 'differs', '200']]);
    expect(exitCodeOf(differs)).toBe(3);
    const breaks = report([['create-status', 'differs', '200'], ['metadata-filter', 'breaks', 'ignored']]);
    expect(exitCodeOf(breaks)).toBe(4);
    expect(resultOf(breaks.checks, 'error')).toBe('breaks');
    expect(resultOf(holds.checks, 'error')).toBe('error');
    expect(resultOf(breaks.checks, 'interrupted')).toBe('interrupted');
    expect(exitCodeOf({ ...holds, result: 'interrupted' })).toBe(130);
  });

  it('a probe that could not be removed is exit 1 whatever the checks said, and the summary names it', () => {
    const r = report([['key', 'holds', '200']], { probe: { id: 'p1', removed: false, leftovers_removed: [] } });
    expect(exitCodeOf(r)).toBe(1);
    expect(renderDoctorReport(r, { c: plain, width: 100 })).toContain('The probe p1 may still be in Open.cx');
  });

  it('every check has a row in the documented order; unseen ones are "?"; lines fit the width', () => {
    const r = report([['key', 'holds', '200: accepted'], ['put-metadata', 'differs', 'accepted (200) but not kept: the stored metadata did not change']]);
    expect(r.checks.map((c) => c.id)).toEqual(CHECKS.map(([id]) => id));
    const text = renderDoctorReport(r, { c: plain, width: 90 });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ {8}Assumption\s+Observed\s+What the tool does$/);
    expect(lines.find((l) => l.startsWith('differs '))).toContain('PUT /training/{id} takes');
    expect(lines.filter((l) => l.startsWith('? ')).length).toBe(CHECKS.length - 2);
    for (const l of lines.slice(0, -1)) expect(l.length).toBeLessThanOrEqual(90);
    expect(lines.at(-1)).toContain('differs from the strict reading');
  });

  it('wraps on spaces and cuts a word longer than the column', () => {
    expect(wrap('a bb ccc dddd', 6)).toEqual(['a bb', 'ccc', 'dddd']);
    expect(wrap('x 0123456789', 4)).toEqual(['x', '0123', '4567', '89']);
    expect(wrap('', 4)).toEqual(['']);
  });
});
