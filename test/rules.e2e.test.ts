// The content checks and the audience view through the CLI, in process: exit codes of --strict and of
// the config switches, the sample trainings, and the audience command. (The demo test runs validate
// --strict and audience as real processes.)
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, trainingFile, workspace, type Workspace } from './helpers.js';
import { parsePlan } from './plan-json.js';
import { runInProcess as runCli } from './run-in-process.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const todo = trainingFile('How do I get a refund?', 'TODO: write the policy.', { channels: ['web'] });

describe('validate with content checks', () => {
  it('a warning passes; --strict makes it an error; the config can raise, lower or switch it off', async () => {
    ws = workspace({ 'trainings/refunds.md': todo });
    const plain = await runCli(['validate'], { cwd: ws.dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('trainings/refunds.md:5:1: warning: "TODO" marks unfinished text');
    expect(plain.stdout).toContain('[placeholder]');

    const strict = await runCli(['validate', '--strict'], { cwd: ws.dir });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('trainings/refunds.md:5:1: "TODO" marks unfinished text');
    expect(strict.stdout).toContain('1 error in 1 of 1 file.');

    ws.write('opencx-sync.config.json', JSON.stringify({ rules: { placeholder: 'error' } }));
    expect((await runCli(['validate'], { cwd: ws.dir })).code).toBe(1);
    ws.write('opencx-sync.config.json', JSON.stringify({ rules: { placeholder: 'off' } }));
    const off = await runCli(['validate', '--strict'], { cwd: ws.dir });
    expect([off.code, off.stdout]).toEqual([0, '1 file valid.\n']);

    ws.write('opencx-sync.config.json', JSON.stringify({ rules: { placholder: 'off', 'behavioral-budget': { budget: 'big' } } }));
    const bad = await runCli(['validate'], { cwd: ws.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('opencx-sync.config.json: rules: unknown rule "placholder"');
    expect(bad.stderr).toContain('opencx-sync.config.json: rules.behavioral-budget.budget:');
  });

  it('an identical trigger phrase for one audience is an error, so plan stops', async () => {
    ws = workspace({
      'trainings/a.md': trainingFile('Where is my order?', 'Ask for the number.'),
      'trainings/b.md': trainingFile('Where is my order?', 'Share the tracking link.', { channels: ['web'] }),
    });
    const plan = await runCli(['plan'], { cwd: ws.dir });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('trainings/b.md:2:8: same trigger phrase as trainings/a.md, and both reach web');
  });

  it('relative links are looked up in the repository, from the file\'s folder', async () => {
    ws = workspace({
      'docs/refunds.md': '# Refund policy\n',
      'trainings/billing/refunds.md': trainingFile('How do I get a refund?', 'See [the policy](../../docs/refunds.md) or [old](../../docs/old.md).', { channels: ['web'] }),
    });
    const r = await runCli(['validate', '--format', 'json'], { cwd: ws.dir });
    expect(JSON.parse(r.stdout).issues).toEqual([
      {
        file: 'trainings/billing/refunds.md', line: 5, col: 44, severity: 'warning', rule: 'relative-link',
        message: 'link "../../docs/old.md" points at docs/old.md, which is not in the repository: fix the path (it is relative to this file\'s folder), or use a full https:// address customers can open',
      },
    ]);
  });

  it('the sample trainings of this repository pass validate --strict', async () => {
    const r = await runCli(['validate', '--strict'], { cwd: ROOT });
    expect(r.stdout).toMatch(/^\d+ files valid\.\n$/);
    expect(r.code).toBe(0);
  });
});

describe('audience', () => {
  const files = {
    'opencx-sync.config.json': JSON.stringify({ directories: { Billing: 'dir-billing' }, segments: { VIP: '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' } }),
    'trainings/tone.md': trainingFile('Keep answers short', 'At most three paragraphs.', { type: 'BEHAVIORAL' }),
    'trainings/voice.md': trainingFile('Speak slowly', 'Pause between steps.', { type: 'BEHAVIORAL', channels: ['phone_voice'] }),
    'trainings/billing/refunds.md': trainingFile('How do I get a refund?', 'Within 30 days.', { directory: 'Billing', channels: ['web'] }),
    'trainings/vip.md': trainingFile('Do I get a discount?', 'VIPs get 15%.', { segments: ['VIP'] }),
  };

  it('lists the always-on rules against the budget and the scenario trainings by directory', async () => {
    ws = workspace(files);
    const r = await runCli(['audience', '--channel', 'web', '--segment', 'VIP'], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'What the AI is told for channel web, segment "VIP"',
        '',
        'Always-on rules (BEHAVIORAL): 1, 43 characters',
        '  fullest audience: web, segment "VIP": 43 of the 8,000 budget (1%)',
        '  tone      43  Keep answers short  (trainings/tone.md; all channels)',
        '',
        'Scenario trainings: 2',
        '  Billing',
        '    How do I get a refund?  (trainings/billing/refunds.md; web)',
        '  (no directory)',
        '    Do I get a discount?  (trainings/vip.md; all channels; VIP)',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await runCli(['audience', '--channel', 'phone_voice', '--segment', 'none', '--json'], { cwd: ws.dir })).stdout);
    expect(json.behavioral).toMatchObject({ budget: 8000, size: 75, trainings: [{ key: 'tone' }, { key: 'voice' }] });
    expect(json.scenarios).toEqual([]);
    const bad = await runCli(['audience', '--segment', 'Nobody'], { cwd: ws.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown segment "Nobody"');
    // The config's names are listed, and a near spelling is offered.
    expect(bad.stderr).toContain('"segments" in the config ("VIP")');
    expect((await runCli(['audience', '--segment', 'vip'], { cwd: ws.dir })).stderr).toContain('unknown segment "vip": did you mean "VIP"?');
    // A flag without its value is bad usage, not a segment named "".
    const empty = await runCli(['audience', '--segment', '--json'], { cwd: ws.dir });
    expect([empty.code, JSON.parse(empty.stdout).error]).toEqual([1, { kind: 'usage', message: expect.stringContaining('--segment needs a value'), exit_code: 1 }]);
  });

  it('plan shows the affected audiences, in text and JSON', async () => {
    ws = workspace(files);
    const text = await runCli(['plan'], { cwd: ws.dir });
    expect(text.stdout).toContain(
      [
        'Affected audiences:',
        '  channel web: 3 created, 0 changed, 0 removed; always-on +43 characters',
        '  channels email, slack, sms, whatsapp, instagram, messenger, api, web_voice: 2 created, 0 changed, 0 removed; always-on +43 characters',
        '  channel phone_voice: 3 created, 0 changed, 0 removed; always-on +75 characters',
        '  customers in no segment: 3 created, 0 changed, 0 removed; always-on +75 characters',
        '  segment "VIP": 4 created, 0 changed, 0 removed; always-on +75 characters',
        '',
      ].join('\n'),
    );
    const json = parsePlan((await runCli(['plan', '--json'], { cwd: ws.dir })).stdout);
    expect(json.affected_audiences).toContainEqual({ dimension: 'segment', value: null, created: 3, changed: 0, removed: 0, behavioral_delta: 75 });
  });
});
