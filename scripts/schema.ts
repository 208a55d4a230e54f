// Writes the JSON Schemas (schema/front-matter.schema.json, schema/config.schema.json for editors;
// schema/plan.schema.json for readers of `plan --json`),
// generated from the zod schemas the validator uses, so the two cannot drift apart. Run `npm run schema`;
// a test fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { fileSchema } from '../src/config.js';
import { CHANNELS, frontMatterSchema } from '../src/core/training.js';
import { publicPlanSchema } from '../src/core/plan-contract.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

const BASE = 'https://raw.githubusercontent.com/opencx-sync/opencx-sync/main/schema';

/** Words for people, per property: every property must have some (the script stops otherwise). */
const FRONT_MATTER_DOCS: Record<string, { description: string; examples: unknown[] }> = {
  title: { description: 'The trigger phrase (for SCENARIO_SPECIFIC) or the rule\'s name. When absent, a "# Heading" on the first line of the body is the title.', examples: ['How do I get a refund?'] },
  type: { description: 'SCENARIO_SPECIFIC answers when the trigger phrase matches; BEHAVIORAL always applies. Default SCENARIO_SPECIFIC.', examples: ['SCENARIO_SPECIFIC', 'BEHAVIORAL'] },
  draft: { description: 'true = saved in Open.cx but not used by the AI. Default false.', examples: [false] },
  directory: { description: 'A directory id, or a name mapped to an id in opencx-sync.config.json ("directories").', examples: ['Billing'] },
  channels: { description: `Channels the training applies to; empty or absent = all channels. One of: ${CHANNELS.join(', ')}.`, examples: [['web', 'email']] },
  segments: { description: 'Segment ids (UUIDs), or names mapped in opencx-sync.config.json ("segments"); empty or absent = everyone.', examples: [['VIP customers']] },
  key: { description: 'Stable identity across runs; default: the path below the trainings folder without .md. Pin it to rename a file without the tool noticing.', examples: ['billing/refunds'] },
  sync: { description: 'false = this file is left alone: never created, updated or deleted.', examples: [false] },
  id: { description: 'The Open.cx id of a training made outside opencx-sync (in the dashboard) that this file takes over instead of creating a new one; written by "opencx-sync import". Not the key.', examples: ['7f3c2a9e-2b1d-4c6e-9a51-0d2f4e8b1c77'] },
  content: { description: 'The content as one quoted string, kept exactly (not trimmed), for text a body cannot hold: leading blank lines, trailing spaces, carriage returns. The body must then be empty. Written by "opencx-sync import" only where needed.', examples: ['Line one  \r\nline two'] },
  active: { description: 'The active window (Open.cx start_time/end_time): from and until, ISO 8601 date-times with a timezone; either may be left out for no bound, null = no window. Absent: the window stays as Open.cx holds it.', examples: [{ from: '2026-12-01T00:00:00Z', until: '2027-01-06T00:00:00+01:00' }] },
};

const CONFIG_DOCS: Record<string, { description: string; examples: unknown[] }> = {
  $schema: { description: 'The JSON Schema of this file, for editors.', examples: [`${BASE}/config.schema.json`] },
  dir: { description: 'Folder of training Markdown files, relative to this file. Default "trainings".', examples: ['trainings'] },
  state: { description: 'State file, committed next to the trainings. Default "opencx-sync.state.json".', examples: ['opencx-sync.state.json'] },
  apiUrl: { description: 'Open.cx API base URL. Must be https://, except http:// to localhost (the sandbox). Default https://api.open.cx.', examples: ['https://api.open.cx'] },
  directories: { description: 'Directory names that files may use in "directory:", mapped to Open.cx directory ids.', examples: [{ Billing: 'dir-billing' }] },
  segments: { description: 'Segment names that files may use in "segments:", mapped to Open.cx segment ids (UUIDs).', examples: [{ 'VIP customers': '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' }] },
  ignore: { description: 'Globs (relative to the trainings folder) of files to leave alone.', examples: [['drafts/**', '**/README.md']] },
  rateLimit: { description: 'Requests per minute to stay under; 0 = no pacing. Default 100.', examples: [100] },
  concurrency: { description: 'Requests in flight at once (1 to 32). Default 4.', examples: [4] },
  rules: { description: 'Content checks, by rule id: "off", "warning", "error", or an object of options with an optional "severity". See docs/rules.md.', examples: [{ placeholder: 'error', 'personal-data': { allow: ['*@acme.com'] } }] },
};

/** The plan's top-level fields; docs/plan-format.md describes every nested one. */
const PLAN_DOCS: Record<string, { description: string; examples: unknown[] }> = {
  format_version: { description: 'Version of this format: 3. It changes when a reader of the previous version could misread a plan (docs/plan-format.md).', examples: [3] },
  lineage: { description: 'The lineage of the state file the plan was made against; null when there was no state file.', examples: ['6f1c2b9e-0d4a-4c55-9a51-2f4b8f0d3e11'] },
  serial: { description: 'The serial of that state file: it moves each time an apply changes something in Open.cx.', examples: [7] },
  fingerprint: { description: 'sha256 of the canonical JSON of the planned changes: equal fingerprints, equal changes.', examples: ['7a665af273faf04f466b2d43d263380b47c7620ad9d9092ca8a88a5c5b12bed2'] },
  refreshed: { description: 'true when Open.cx was read (plan --refresh); false for an offline plan, which compares the files with the state file only.', examples: [false] },
  changes: { description: 'What apply would do, one entry per training, sorted by key.', examples: [[]] },
  drift: { description: 'What differs in Open.cx from the last apply, apart from the changes; null for an offline plan.', examples: [null] },
  orphans: { description: 'Trainings whose file is gone, kept because the run was not asked to prune.', examples: [[]] },
  summary: { description: 'The number of changes per action, and of trainings left unchanged.', examples: [{ create: 1, adopt: 0, update: 0, retag: 0, move: 0, delete: 0, unchanged: 3 }] },
  affected_audiences: { description: 'For each channel and segment the changes touch: trainings created, changed, removed, and the change in always-on characters.', examples: [[]] },
  refusals: { description: 'What apply would refuse with these options, in the words apply uses; empty when apply would run.', examples: [[]] },
  skips: { description: 'Changes apply would leave alone under --on-drift skip.', examples: [[]] },
};

/** What zod's refinements and transforms check, said in JSON Schema words (toJSONSchema cannot see them). */
const NOT_BLANK = '\\S';
const FRONT_MATTER_PATTERNS: Record<string, string> = {
  title: NOT_BLANK,
  // Not starting or ending with "/", no ".." segment (checked after trimming, as zod does).
  key: '^(?!\\s*/)(?!.*/\\s*$)(?!\\s*(.*/)?\\.\\.(/|\\s*$))(?=.*\\S)',
};
const API_URL = '^(https://|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?(/|$))';

function document(schema: z.ZodType, meta: { id: string; title: string; description: string }, docs: typeof FRONT_MATTER_DOCS): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as JsonSchema;
  for (const [name, prop] of Object.entries(json.properties ?? {})) {
    const doc = docs[name];
    if (!doc) throw new Error(`${meta.id}: property "${name}" has no description in scripts/schema.ts`);
    Object.assign(prop, doc);
  }
  return { $schema: json.$schema, $id: `${BASE}/${meta.id}`, title: meta.title, description: meta.description, ...json };
}

export function buildSchemas(): Map<string, string> {
  const fm = document(frontMatterSchema, {
    id: 'front-matter.schema.json',
    title: 'opencx-sync training front-matter',
    description: 'The YAML front-matter of one Open.cx training Markdown file. Every key is optional; the body below it is the content.',
  }, FRONT_MATTER_DOCS);
  const p = fm.properties as Record<string, JsonSchema>;
  for (const [name, pattern] of Object.entries(FRONT_MATTER_PATTERNS)) Object.assign(p[name] as JsonSchema, { pattern });
  const directory = p.directory?.anyOf as JsonSchema[] | undefined;
  if (directory?.[0]) directory[0].pattern = NOT_BLANK;
  const segmentItems = p.segments?.items as JsonSchema | undefined;
  if (segmentItems) segmentItems.pattern = NOT_BLANK;

  const config = document(fileSchema, {
    id: 'config.schema.json',
    title: 'opencx-sync.config.json',
    description: 'Optional settings for opencx-sync, at the repository root. Flags win over environment variables, which win over this file.',
  }, CONFIG_DOCS);
  Object.assign((config.properties as Record<string, JsonSchema>).apiUrl as JsonSchema, { pattern: API_URL });

  const plan = document(publicPlanSchema, {
    id: 'plan.schema.json',
    title: 'opencx-sync plan',
    description: 'The plan, as "opencx-sync plan --json" prints it and the Action writes it (plan-json). Field by field: docs/plan-format.md.',
  }, PLAN_DOCS);

  const text = (s: JsonSchema) => JSON.stringify(s, null, 2) + '\n';
  return new Map([
    ['schema/front-matter.schema.json', text(fm)],
    ['schema/config.schema.json', text(config)],
    ['schema/plan.schema.json', text(plan)],
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  for (const [rel, text] of buildSchemas()) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
    process.stdout.write(`wrote ${rel}\n`);
  }
}
