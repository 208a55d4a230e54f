// Writes the JSON Schemas (schema/front-matter.schema.json, schema/config.schema.json for editors;
// schema/plan.schema.json and one schema per other --json document, docs/json-output.md),
// generated from the zod schemas the validator uses, so the two cannot drift apart. Run `npm run schema`;
// a test fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { fileSchema } from '../src/config.js';
import { CHANNELS, frontMatterSchema } from '../src/core/training.js';
import { NAMESPACE_MAX_LENGTH } from '../src/core/namespace.js';
import { publicPlanSchema } from '../src/core/plan-schema.js';
import { applyDocumentSchema, audienceDocumentSchema, errorDocumentSchema, rebuildDocumentSchema, validateDocumentSchema, doctorDocumentSchema, importDocumentSchema } from '../src/render/json-schemas.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

const BASE = 'https://raw.githubusercontent.com/opencx-sync/opencx-sync/main/schema';

/** Words for people, per property: every property must have some (the script stops otherwise). */
const FRONT_MATTER_DOCS: Record<string, { description: string; examples: unknown[] }> = {
  title: { description: 'The trigger phrase (for SCENARIO_SPECIFIC) or the rule\'s name. When absent, a "# Heading" on the first line of the body is the title.', examples: ['How do I get a refund?'] },
  type: { description: 'SCENARIO_SPECIFIC answers when the trigger phrase matches; BEHAVIORAL always applies. Default SCENARIO_SPECIFIC.', examples: ['SCENARIO_SPECIFIC', 'BEHAVIORAL'] },
  draft: { description: 'true = saved in Open.cx but not used by the AI. Default false.', examples: [false] },
  directory: { description: 'A directory id, or a name mapped to an id in opencx-sync.config.json ("directories").', examples: ['Billing'] },
  channels: { description: `Channels the training applies to; empty or absent = all channels. One of: ${CHANNELS.join(', ')}.`, examples: [['web', 'email']] },
  segments: { description: 'Segment ids (UUIDs), names mapped in opencx-sync.config.json ("segments"), or (with a key) names that one segment in Open.cx carries; empty or absent = everyone.', examples: [['VIP customers']] },
  key: { description: 'Stable identity across runs; default: the path below the trainings folder without .md. Pin it to rename a file without the tool noticing.', examples: ['billing/refunds'] },
  sync: { description: 'false = this file is left alone: never created, updated or deleted.', examples: [false] },
  id: { description: 'The Open.cx id of a training made outside opencx-sync (in the dashboard) that this file takes over instead of creating a new one; written by "opencx-sync import". Not the key.', examples: ['7f3c2a9e-2b1d-4c6e-9a51-0d2f4e8b1c77'] },
  content: { description: 'The content as one quoted string, kept exactly (not trimmed), for text a body cannot hold: leading blank lines, trailing spaces, carriage returns. The body must then be empty. Written by "opencx-sync import" only where needed.', examples: ['Line one  \r\nline two'] },
  active: { description: 'The active window (Open.cx start_time/end_time): from and until, ISO 8601 date-times with a timezone; either may be left out or null for no bound; active: null = no window. Absent: the window stays as Open.cx holds it.', examples: [{ from: '2026-12-01T00:00:00Z', until: '2027-01-06T00:00:00+01:00' }] },
};

const CONFIG_DOCS: Record<string, { description: string; examples: unknown[] }> = {
  $schema: { description: 'The JSON Schema of this file, for editors.', examples: [`${BASE}/config.schema.json`] },
  dir: { description: 'Folder of training Markdown files, relative to this file. Default "trainings".', examples: ['trainings'] },
  state: { description: 'State file, committed next to the trainings. Default "opencx-sync.state.json".', examples: ['opencx-sync.state.json'] },
  apiUrl: { description: 'Open.cx API base URL. Must be https://, except http:// to localhost (the sandbox). Default https://api.open.cx.', examples: ['https://api.open.cx'] },
  directories: { description: 'Directory names that files may use in "directory:", mapped to Open.cx directory ids.', examples: [{ Billing: 'dir-billing' }] },
  namespace: { description: 'Own only the trainings of this namespace, when several repositories share one Open.cx organisation: 1-40 lowercase letters, digits, "-" or "_" inside. Empty or absent = the default namespace. Never change it while the state tracks trainings.', examples: ['billing'] },
  segments: { description: 'Segment names that files may use in "segments:", mapped to Open.cx segment ids (UUIDs). They win over the names in Open.cx and work offline.', examples: [{ 'VIP customers': '0b9c4e62-3f1a-4d7b-8e20-5a6c9d1f2e34' }] },
  ignore: { description: 'Globs (relative to the trainings folder) of files to leave alone.', examples: [['drafts/**', '**/README.md']] },
  rateLimit: { description: 'Requests per minute to stay under; 0 = no pacing. Default 100.', examples: [100] },
  concurrency: { description: 'Requests in flight at once (1 to 32). Default 4.', examples: [4] },
  rules: { description: 'Content checks, by rule id: "off", "warning", "error", or an object of options with an optional "severity". See docs/rules.md.', examples: [{ placeholder: 'error', 'personal-data': { allow: ['*@acme.com'] } }] },
};

type Docs = Record<string, { description: string; examples: unknown[] }>;

const VERSION = (v: number): Docs[string] => ({ description: `Version of this document's shape: ${v}. It changes when a reader of the previous version could misread it (docs/json-output.md).`, examples: [v] });
const COMMAND = (name: string): Docs[string] => ({ description: 'The command that printed this document.', examples: [name] });

/** The other --json documents' top-level fields; docs/json-output.md describes every nested one. */
const VALIDATE_DOCS: Docs = {
  format_version: VERSION(1),
  command: COMMAND('validate'),
  valid: { description: 'true when no issue is an error (with --strict, when there is no issue at all).', examples: [true] },
  files: { description: 'The number of training files checked (with --staged: the staged ones).', examples: [12] },
  issues: { description: 'Every problem found, sorted by file, line and column.', examples: [[{ file: 'trainings/refunds.md', line: 3, col: 1, message: 'unknown key "titel": did you mean "title"?', severity: 'error' }]] },
};

const APPLY_DOCS: Docs = {
  format_version: VERSION(1),
  command: COMMAND('apply'),
  outcomes: { description: 'One entry per planned change, writes first, then deletes: what became of it.', examples: [[{ status: 'created', action: 'create', key: 'refunds', path: 'trainings/refunds.md', id: 'tr_1' }]] },
  summary: { description: 'The outcomes counted by status, and the trainings left unchanged.', examples: [{ created: 1, adopted: 0, updated: 0, moved: 0, deleted: 0, failed: 0, skipped: 0, unchanged: 4 }] },
};

const REBUILD_DOCS: Docs = {
  format_version: VERSION(1),
  command: COMMAND('state rebuild'),
  state_file: { description: 'The state file written, as configured (relative to the repository root).', examples: ['opencx-sync.state.json'] },
  lineage: { description: 'The lineage of the new state: the old file\'s when one existed, else a new one.', examples: ['6f1c2b9e-0d4a-4c55-9a51-2f4b8f0d3e11'] },
  serial: { description: 'The serial of the new state (one more than the old file\'s).', examples: [8] },
  tracked: { description: 'The number of trainings the new state tracks.', examples: [11] },
  duplicates: { description: 'Keys carried by more than one training in Open.cx: the oldest is tracked; delete the others.', examples: [[]] },
};

const AUDIENCE_DOCS: Docs = {
  format_version: VERSION(1),
  command: COMMAND('audience'),
  channel: { description: 'The channel asked for (--channel); null for every channel.', examples: ['phone_voice'] },
  segment: { description: 'The segment id asked for (--segment); "*" for customers in no segment (--segment none); null for every segment.', examples: [null] },
  behavioral: { description: 'The always-on (BEHAVIORAL) trainings, their total size, the budget and the fullest audience.', examples: [{ budget: 8000, size: 0, fullest: null, trainings: [] }] },
  scenarios: { description: 'The SCENARIO_SPECIFIC trainings, by directory.', examples: [[]] },
  drafts: { description: 'Drafts left out (the AI does not use them).', examples: [0] },
};

const IMPORT_DOCS: Docs = {
  format_version: VERSION(1),
  command: COMMAND('import'),
  dry_run: { description: 'true with --dry-run: nothing was written.', examples: [false] },
  files: { description: 'One per training imported: path (as given to --dir), id, title, overwrite (--force wrote over a file), pending_edits (dashboard edits not yet published, which the file holds), notes (values a file could not hold exactly, and how they were written).', examples: [[]] },
  left: { description: 'Trainings left alone, each with why: tracked by a file or the state, tagged by another tool or namespace, or holding values this version does not know.', examples: [[]] },
  summary: { description: 'trainings (in Open.cx), written, to_write, left, pending_edits.', examples: [{ trainings: 0, written: 0, to_write: 0, left: 0, pending_edits: 0 }] },
};

const DOCTOR_DOCS: Docs = {
  format_version: VERSION(1),
  command: COMMAND('doctor'),
  tool_version: { description: 'The opencx-sync version that ran the checks.', examples: ['0.1.0'] },
  api_url: { description: 'The API checked: origin and path only, never credentials or a query.', examples: ['https://api.open.cx'] },
  started_at: { description: 'When the checks started (ISO 8601).', examples: ['2026-12-04T10:00:00.000Z'] },
  finished_at: { description: 'When they ended (ISO 8601).', examples: ['2026-12-04T10:00:10.000Z'] },
  result: { description: 'holds (exit 0), differs (3: the tool copes), breaks (4), error (1: stopped early or the probe was not removed), interrupted (130).', examples: ['holds'] },
  checks: { description: 'One row per assumption, in the documented order: what was observed and what the tool does about it.', examples: [[]] },
  probe: { description: 'The temporary draft training: its id, whether it is gone, and probes of killed earlier runs removed first.', examples: [{ id: null, removed: true, leftovers_removed: [] }] },
  requests: { description: 'Every answer in order: method, path (no query), status (null: no answer).', examples: [[]] },
  stopped_because: { description: 'Why the checks stopped early, when they did.', examples: ['the key was refused (401)'] },
};

const ERROR_DOCS: Docs = {
  format_version: VERSION(2),
  command: { description: 'The command that stopped, as typed ("state rebuild"); null when none was recognised.', examples: ['apply'] },
  error: { description: 'Why it stopped: kind, message (the key redacted, no control characters), exit_code, and for invalid_files every issue.', examples: [{ kind: 'user', message: 'OPENCX_API_KEY is not set: ...', exit_code: 1 }] },
};

/** The plan's top-level fields; docs/plan-format.md describes every nested one. */
const PLAN_DOCS: Record<string, { description: string; examples: unknown[] }> = {
  format_version: { description: 'Version of this format: 3. It changes when a reader of the previous version could misread a plan (docs/plan-format.md).', examples: [3] },
  command: COMMAND('plan'),
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
/** As checkNamespace in src/core/namespace.ts: empty, or lowercase letters and digits with - or _ inside. */
const NAMESPACE_PATTERN = '^([a-z0-9]([a-z0-9_-]*[a-z0-9])?)?$';
const API_URL = '^(https://|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?(/|$))';

function document(schema: z.ZodType, meta: { id: string; title: string; description: string }, docs: Docs): JsonSchema {
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
  Object.assign((config.properties as Record<string, JsonSchema>).namespace as JsonSchema, { pattern: NAMESPACE_PATTERN, maxLength: NAMESPACE_MAX_LENGTH });

  const plan = document(publicPlanSchema, {
    id: 'plan.schema.json',
    title: 'opencx-sync plan',
    description: 'The plan, as "opencx-sync plan --json" prints it and the Action writes it (plan-json). Field by field: docs/plan-format.md.',
  }, PLAN_DOCS);

  const output = (id: string, schema: z.ZodType, title: string, docs: Docs) =>
    document(schema, { id, title, description: `${title}: the document printed on stdout. Field by field: docs/json-output.md.` }, docs);

  const text = (s: JsonSchema) => JSON.stringify(s, null, 2) + '\n';
  return new Map([
    ['schema/front-matter.schema.json', text(fm)],
    ['schema/config.schema.json', text(config)],
    ['schema/plan.schema.json', text(plan)],
    ['schema/validate.schema.json', text(output('validate.schema.json', validateDocumentSchema, 'opencx-sync validate --json', VALIDATE_DOCS))],
    ['schema/apply.schema.json', text(output('apply.schema.json', applyDocumentSchema, 'opencx-sync apply --json', APPLY_DOCS))],
    ['schema/state-rebuild.schema.json', text(output('state-rebuild.schema.json', rebuildDocumentSchema, 'opencx-sync state rebuild --json', REBUILD_DOCS))],
    ['schema/audience.schema.json', text(output('audience.schema.json', audienceDocumentSchema, 'opencx-sync audience --json', AUDIENCE_DOCS))],
    ['schema/import.schema.json', text(output('import.schema.json', importDocumentSchema, 'opencx-sync import --json', IMPORT_DOCS))],
    ['schema/doctor.schema.json', text(output('doctor.schema.json', doctorDocumentSchema, 'opencx-sync doctor --json', DOCTOR_DOCS))],
    ['schema/error.schema.json', text(output('error.schema.json', errorDocumentSchema, 'opencx-sync error (any command with --json)', ERROR_DOCS))],
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
