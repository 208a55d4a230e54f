// Table tests for the content checks: files that must trigger each rule (with positions) and files
// that must not. Files go through the real parser, so positions are those people see.
import { describe, expect, it } from 'vitest';
import { FULL_YAML } from '../../src/core/front-matter-yaml.js';
import { parseTrainingFile } from '../../src/core/parse.js';
import { resolveRuleSettings, RULE_IDS } from '../../src/core/rules/index.js';
import { luhn, validIban } from '../../src/core/rules/personal-data.js';
import { validateTrainingSet } from '../../src/core/validate.js';

const names = { directories: new Map<string, string>(), segments: new Map([['VIP', '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34'], ['Trial', '5d2e8f10-7a3b-4c9d-9e1f-2b4a6c8d0e12']]) };

/** Runs one rule (the others off) over files; returns "file:line:col severity" per finding. */
function run(rule: string, files: Record<string, string>, opts: { config?: unknown; existing?: string[] } = {}) {
  const config = Object.fromEntries(RULE_IDS.map((id) => [id, id === rule ? (opts.config ?? 'warning') : 'off']));
  if (opts.config === undefined) delete config[rule];
  const { settings, errors } = resolveRuleSettings(config);
  expect(errors).toEqual([]);
  const results = Object.entries(files).map(([p, text]) => {
    const displayPath = `trainings/${p}`;
    return { displayPath, result: parseTrainingFile({ path: p, displayPath, text }, names, FULL_YAML) };
  });
  for (const r of results) expect(r.result.kind, JSON.stringify(r.result)).toBe('training');
  const existingPaths = new Set(opts.existing ?? []);
  const issues = validateTrainingSet(results, { rules: settings, context: { existingPaths } }).issues;
  for (const i of issues) expect(i.rule).toBe(rule);
  return issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.severity}`);
}

const md = (fm: string, body: string) => `---\n${fm}\n---\n${body}\n`;

interface Case {
  name: string;
  files: Record<string, string>;
  expected: string[];
  config?: unknown;
  existing?: string[];
}

function table(rule: string, cases: Case[]) {
  describe(rule, () => {
    it.each(cases)('$name', (c) => {
      expect(run(rule, c.files, { config: c.config, existing: c.existing })).toEqual(c.expected);
    });
  });
}

table('duplicate-trigger', [
  {
    name: 'identical phrases (case and spaces aside) for overlapping audiences: error on the second, at its title',
    files: { 'a.md': md('title: How do I get a refund?', 'A.'), 'b.md': md('channels: [web]\ntitle: how do I  get a REFUND?', 'B.') },
    expected: ['trainings/b.md:3:8 error'],
  },
  {
    name: 'a title from the "# heading" is pointed at on its line',
    files: { 'a.md': md('title: Where is my order?', 'A.'), 'b.md': md('draft: false', '\n# Where is my order?\n\nB.') },
    expected: ['trainings/b.md:5:3 error'],
  },
  {
    name: 'near-identical after case, punctuation and stop words: warning',
    files: { 'a.md': md('title: How do I get a refund?', 'A.'), 'b.md': md('title: "Can I get my refund, please"', 'B.') },
    expected: ['trainings/b.md:2:8 warning'],
  },
  {
    name: 'near-identical with a threshold lowered in the config',
    files: { 'a.md': md('title: Refund for a damaged parcel', 'A.'), 'b.md': md('title: Refund for a lost parcel', 'B.') },
    config: { threshold: 0.5 },
    expected: ['trainings/b.md:2:8 warning'],
  },
  {
    name: 'silent: similar words below the default threshold',
    files: { 'a.md': md('title: Refund for a damaged parcel', 'A.'), 'b.md': md('title: Refund for a lost parcel', 'B.') },
    expected: [],
  },
  {
    name: 'silent: the same phrase for channels that do not intersect',
    files: { 'a.md': md('title: Where is my order?\nchannels: [web]', 'A.'), 'b.md': md('title: Where is my order?\nchannels: [sms]', 'B.') },
    expected: [],
  },
  {
    name: 'silent: the same phrase for segments that do not intersect',
    files: { 'a.md': md('title: Do I get a discount?\nsegments: [VIP]', 'A.'), 'b.md': md('title: Do I get a discount?\nsegments: [Trial]', 'B.') },
    expected: [],
  },
  {
    name: 'an unrestricted training overlaps every segment',
    files: { 'a.md': md('title: Do I get a discount?', 'A.'), 'b.md': md('title: Do I get a discount?\nsegments: [Trial]', 'B.') },
    expected: ['trainings/b.md:2:8 error'],
  },
  {
    name: 'silent: behavioural rules and drafts are not trigger phrases',
    files: {
      'a.md': md('title: Be polite\ntype: BEHAVIORAL', 'A.'),
      'b.md': md('title: Be polite', 'B.'),
      'c.md': md('title: Be polite\ndraft: true', 'C.'),
    },
    expected: [],
  },
  {
    name: 'severity from the config applies to identical phrases too',
    files: { 'a.md': md('title: Where is my order?', 'A.'), 'b.md': md('title: Where is my order?', 'B.') },
    config: 'warning',
    expected: ['trainings/b.md:2:8 warning'],
  },
]);

const behavioral = (title: string, size: number, fm = '') => md(`title: ${title}\ntype: BEHAVIORAL${fm}`, 'x'.repeat(size - title.length));

table('behavioral-budget', [
  {
    name: 'over the default budget of 8,000 characters: on the largest always-on training',
    files: { 'a.md': behavioral('Tone', 5_000), 'b.md': behavioral('Refund policy', 3_500) },
    expected: ['trainings/a.md:2:8 warning'],
  },
  {
    name: 'silent: exactly at the budget',
    files: { 'a.md': behavioral('Tone', 5_000), 'b.md': behavioral('Refund policy', 3_000) },
    expected: [],
  },
  {
    name: 'silent: the two never reach one audience (different channels)',
    files: { 'a.md': behavioral('Tone', 5_000, '\nchannels: [web]'), 'b.md': behavioral('Refund policy', 5_000, '\nchannels: [sms]') },
    expected: [],
  },
  {
    name: 'a segment gets the unrestricted rules plus its own',
    files: { 'a.md': behavioral('Tone', 5_000), 'b.md': behavioral('VIP rules', 3_500, '\nsegments: [VIP]'), 'c.md': behavioral('Trial', 1_000, '\nsegments: [Trial]') },
    expected: ['trainings/a.md:2:8 warning'],
  },
  {
    name: 'drafts are not given to the AI',
    files: { 'a.md': behavioral('Tone', 5_000), 'b.md': behavioral('Refund policy', 3_500, '\ndraft: true') },
    expected: [],
  },
  {
    name: 'a budget from the config',
    files: { 'a.md': behavioral('Tone', 300), 'b.md': behavioral('Refund policy', 300) },
    config: { budget: 500, severity: 'error' },
    expected: ['trainings/a.md:2:8 error'],
  },
]);

table('personal-data', [
  {
    name: 'an e-mail address in the content, at its line and column',
    files: { 'a.md': md('title: Contact', 'Write to us.\nOr mail jane.doe@gmail.com today.') },
    expected: ['trainings/a.md:5:9 warning'],
  },
  {
    name: 'phone numbers: international, bracketed area code, 555-123-4567, national with leading 0',
    files: {
      'a.md': md('title: A', 'Call +44 20 7946 0958.'),
      'b.md': md('title: B', 'Call (555) 123-4567.'),
      'c.md': md('title: C', 'Call 555-123-4567.'),
      'd.md': md('title: D', 'Call 020 7946 0958.'),
    },
    expected: ['trainings/a.md:4:6 warning', 'trainings/b.md:4:6 warning', 'trainings/c.md:4:6 warning', 'trainings/d.md:4:6 warning'],
  },
  {
    name: 'a card number that passes Luhn, and one in the title',
    files: { 'a.md': md('title: Card 4111 1111 1111 1111', 'Use 5500-0000-0000-0004 for tests.') },
    expected: ['trainings/a.md:2:13 warning', 'trainings/a.md:4:5 warning'],
  },
  {
    name: 'an IBAN that passes mod 97, written in groups',
    files: { 'a.md': md('title: Pay', 'Pay to DE89 3704 0044 0532 0130 00 please.') },
    expected: ['trainings/a.md:4:8 warning'],
  },
  {
    name: 'secret-looking tokens: a Stripe key, a JWT, an AWS key, an api_key assignment',
    files: {
      'a.md': md('title: A', 'Key sk_live_abcdefghijklmnop1234.'),
      'b.md': md('title: B', 'Token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'),
      'c.md': md('title: C', 'AKIAIOSFODNN7EXAMPLE'),
      'd.md': md('title: D', 'api_key: 9f8e7d6c5b4a39281706'),
    },
    expected: ['trainings/a.md:4:5 warning', 'trainings/b.md:4:7 warning', 'trainings/c.md:4:1 warning', 'trainings/d.md:4:1 warning'],
  },
  {
    name: 'silent: order numbers, dates, prices, a card number that fails Luhn, an IBAN that fails mod 97',
    files: {
      'a.md': md('title: A', 'Order 123456789 from 2024-01-15 12:30 costs 1,299.00 EUR; 5-7 business days.'),
      'b.md': md('title: B', 'Not a card: 4111 1111 1111 1112. Not an IBAN: DE89 3704 0044 0532 0130 01.'),
      'c.md': md('title: C', 'Write to help@example.com or someone@shop.test.'),
    },
    expected: [],
  },
  {
    name: 'silent: the company\'s own addresses on the allow-list (exact, wildcard, phone by digits)',
    files: { 'a.md': md('title: A', 'Mail support@acme.com or billing@acme.com, or call +1 (800) 555-0100.') },
    config: { allow: ['*@acme.com', '+1 800 555 0100'] },
    expected: [],
  },
  {
    name: 'the allow-list does not cover secrets or cards',
    files: { 'a.md': md('title: A', 'Card 4111111111111111.') },
    config: { allow: ['4111111111111111', '*'] },
    expected: ['trainings/a.md:4:6 warning'],
  },
]);

table('channel-format', [
  {
    name: 'a table, an image, a link, a raw link and a code block in a voice training, each at its line',
    files: {
      'a.md': md(
        'title: Plans\nchannels: [phone_voice]',
        'Intro.\n\n| Plan | Price |\n| --- | --- |\n| Pro | 10 |\n\n![logo](logo.png)\nSee [the docs](https://x.io/docs).\nOr https://x.io/help\n\n```\ncode\n```',
      ),
    },
    expected: ['trainings/a.md:15:1 warning', 'trainings/a.md:7:1 warning', 'trainings/a.md:11:1 warning', 'trainings/a.md:12:5 warning', 'trainings/a.md:13:4 warning'],
  },
  {
    name: 'an unrestricted training reaches SMS too',
    files: { 'a.md': md('title: Help', 'See https://x.io/help') },
    expected: ['trainings/a.md:4:5 warning'],
  },
  {
    name: 'content over the limit for those channels',
    files: { 'a.md': md('title: Long\nchannels: [sms]', 'x'.repeat(1_001)) },
    expected: ['trainings/a.md:5:1 warning'],
  },
  {
    name: 'a limit and channels from the config',
    files: { 'a.md': md('title: Long\nchannels: [whatsapp]', 'x'.repeat(101)) },
    config: { channels: ['whatsapp'], maxLength: 100 },
    expected: ['trainings/a.md:5:1 warning'],
  },
  {
    name: 'silent: exactly at the limit',
    files: { 'a.md': md('title: Long\nchannels: [sms]', 'x'.repeat(1_000)) },
    expected: [],
  },
  {
    name: 'silent: the same Markdown in a training for text channels only, or a draft',
    files: {
      'a.md': md('title: Plans\nchannels: [web, email]', '| Plan | Price |\n| --- | --- |\n\nSee [docs](https://x.io) and https://x.io'),
      'b.md': md('title: Draft\nchannels: [sms]\ndraft: true', 'See https://x.io'),
    },
    expected: [],
  },
  {
    name: 'silent: plain prose with pipes and dashes is not a table',
    files: { 'a.md': md('title: Prose\nchannels: [sms]', 'Choose A | B.\n---\nExactly 1,000 characters or fewer.') },
    expected: [],
  },
]);

table('placeholder', [
  {
    name: 'TODO, TBD, FIXME, lorem ipsum, {{ }} and <...>, each at its position',
    files: {
      'a.md': md('title: TODO refunds', 'Refunds take TBD days.\nFIXME: wording\nLorem ipsum dolor.\nHello {{customer_name}}, call <phone number> or <...>.'),
    },
    expected: [
      'trainings/a.md:2:8 warning', 'trainings/a.md:4:14 warning', 'trainings/a.md:5:1 warning', 'trainings/a.md:6:1 warning',
      'trainings/a.md:7:7 warning', 'trainings/a.md:7:31 warning', 'trainings/a.md:7:49 warning',
    ],
  },
  {
    name: 'lines after a "# heading" taken as the title still point at the right line',
    // A blank line above the heading: positions must still count it (the heading is the first non-blank line).
    files: { 'a.md': '\n# Refunds\n\nIntro TODO.\n\nMore TBD.\n' },
    expected: ['trainings/a.md:4:7 warning', 'trainings/a.md:6:6 warning'],
  },
  {
    name: 'silent: autolinks, e-mail autolinks, HTML tags and comments, code, ordinary words',
    files: {
      'a.md': md(
        'title: Links',
        'See <https://help.acme.com/refunds> or <mailto:help@acme.com> or <help@acme.com>.\nLine<br/>break, <details><summary>More</summary>x</details>\n<!-- note -->\nUse `{{name}}` and `<TODO>` in code.\n\n```\nTODO {{x}} <y>\n```\nA todo list is fine; so is TODOS.',
      ),
    },
    expected: [],
  },
  {
    name: 'silent: a draft may be unfinished',
    files: { 'a.md': md('title: Refunds\ndraft: true', 'TODO') },
    expected: [],
  },
  {
    name: 'extra words from the config',
    files: { 'a.md': md('title: A', 'Price: XXX EUR.') },
    config: { words: ['XXX'] },
    expected: ['trainings/a.md:4:8 warning'],
  },
]);

table('relative-link', [
  {
    name: 'a relative link to no file, resolved from the training\'s folder',
    files: { 'billing/a.md': md('title: A', 'Intro.\nSee [the policy](../../docs/policy.md) and ![x](img/missing.png).') },
    existing: ['docs/other.md'],
    expected: ['trainings/billing/a.md:5:5 warning', 'trainings/billing/a.md:5:44 warning'],
  },
  {
    name: 'a link out of the repository',
    files: { 'a.md': md('title: A', 'See [x](../../../etc/passwd).') },
    expected: ['trainings/a.md:4:5 warning'],
  },
  {
    name: 'silent: existing files and folders, absolute URLs, anchors, mailto, and links in code',
    files: {
      'billing/a.md': md(
        'title: A',
        'See [p](../../docs/policy.md#refunds), [d](../../docs/), [root](/README.md), [web](https://acme.com/x), [top](#top), [m](mailto:a@acme.com).\n\n[ref]: ../../docs/policy.md\n\n```\n[x](nowhere.md)\n```',
      ),
    },
    existing: ['docs/policy.md', 'docs', 'README.md'],
    expected: [],
  },
]);

describe('rule settings', () => {
  it('reports unknown rules, bad severities and bad options, naming the rule', () => {
    const { errors } = resolveRuleSettings({ placeholders: 'off', 'duplicate-trigger': 'loud', 'behavioral-budget': { budget: -1 }, 'personal-data': { alow: [] } });
    expect(errors).toEqual([
      expect.stringMatching(/^rules: unknown rule "placeholders"; the rules are duplicate-trigger, /),
      'rules.duplicate-trigger: "loud" is not a severity; use "off", "warning" or "error"',
      expect.stringMatching(/^rules\.behavioral-budget\.budget: /),
      'rules.personal-data: unknown option alow',
    ]);
  });

  it('"off" switches a rule off; an object sets severity and options', () => {
    const files = { 'a.md': md('title: A', 'TODO') };
    expect(run('placeholder', files)).toEqual(['trainings/a.md:4:1 warning']);
    expect(run('placeholder', files, { config: 'off' })).toEqual([]);
    expect(run('placeholder', files, { config: { severity: 'error' } })).toEqual(['trainings/a.md:4:1 error']);
  });
});

describe('checksums', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['378282246310005', true],
  ])('luhn(%s) is %s', (n, ok) => expect(luhn(n)).toBe(ok));
  it.each([
    ['GB82 WEST 1234 5698 7654 32', true],
    ['GB82 WEST 1234 5698 7654 33', false],
    ['DE89370400440532013000', true],
  ])('validIban(%s) is %s', (s, ok) => expect(validIban(s)).toBe(ok));
});
