// Every --json document the suite reads is checked here against its schema in schema/: runCli checks each
// run with --json (or validate --format json) on its own, so an output that leaves its documented shape
// fails the test that produced it. A new command's document: add its schema file below.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schema');
const ajv = new Ajv({ allErrors: true, strict: true });
const compile = (file: string) => ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, file), 'utf8')));

/** By the document's `command`; an error document (any command) by its `error` key. */
const BY_COMMAND: Map<string, { file: string; check: ValidateFunction }> = new Map(
  [
    ['validate', 'validate.schema.json'],
    ['plan', 'plan.schema.json'],
    ['apply', 'apply.schema.json'],
    ['state rebuild', 'state-rebuild.schema.json'],
    ['audience', 'audience.schema.json'],
    ['doctor', 'doctor.schema.json'],
    ['import', 'import.schema.json'],
  ].map(([command, file]) => [command as string, { file: file as string, check: compile(file as string) }]),
);
const ERROR = { file: 'error.schema.json', check: compile('error.schema.json') };

function fail(file: string, check: ValidateFunction, doc: unknown): never {
  throw new Error(`JSON output does not match schema/${file}:\n${JSON.stringify(check.errors, null, 2)}\n${JSON.stringify(doc, null, 2).slice(0, 2000)}`);
}

/** Throws naming every schema error. `extra`: keys a saved plan adds beside the plan (`saved`). */
export function checkDocument(json: unknown, extra: string[] = []): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`JSON output is not an object: ${JSON.stringify(json)}`);
  const doc = { ...(json as Record<string, unknown>) };
  for (const k of extra) delete doc[k];
  const schema = 'error' in doc ? ERROR : BY_COMMAND.get(String(doc.command));
  if (!schema) throw new Error(`JSON output names no known command: ${JSON.stringify(doc.command)}`);
  if (!schema.check(doc)) fail(schema.file, schema.check, doc);
  return doc;
}

/** The whole of stdout must be one document: nothing before or after it. */
export function parseOutput(stdout: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`stdout under --json is not one JSON document (${(err as Error).message}):\n${stdout.slice(0, 2000)}`);
  }
  return checkDocument(json);
}

/** The arguments ask for JSON on stdout (and not for help or the version). */
export function wantsJson(args: string[]): boolean {
  if (args.some((a) => ['--help', '-h', '--version', '-v'].includes(a))) return false;
  return args.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && args[i + 1] === 'json'));
}
