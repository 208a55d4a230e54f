// Checks action.yml and every workflow against GitHub's own schemas (@actions/workflow-parser, the
// parser behind GitHub's language services), which know `runs.using: node24`.
// `node scripts/check-actions.mjs [FILE...]` checks the given files instead (an action when named action.yml).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

// The parser imports its schema JSON without import attributes, which only bundlers accept: bundle it.
const tmp = mkdtempSync(path.join(tmpdir(), 'check-actions-'));
await build({
  stdin: {
    contents: "export { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'; export { parseAction } from '@actions/workflow-parser/actions/action-parser';",
    resolveDir: process.cwd(),
  },
  bundle: true,
  outfile: path.join(tmp, 'parser.mjs'),
  format: 'esm',
  platform: 'node',
  logLevel: 'error',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
const { NoOperationTraceWriter, parseWorkflow, parseAction } = await import(pathToFileURL(path.join(tmp, 'parser.mjs')).href);
rmSync(tmp, { recursive: true, force: true });

const args = process.argv.slice(2);
const files = args.length
  ? args
  : ['action.yml', ...readdirSync('.github/workflows').filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join('.github/workflows', f))];

let failed = 0;
for (const name of files) {
  const file = { name, content: readFileSync(name, 'utf8') };
  const isAction = /(^|\/)action\.ya?ml$/.test(name);
  const result = isAction ? parseAction(file, new NoOperationTraceWriter()) : parseWorkflow(file, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors();
  for (const e of errors) process.stderr.write(`${name}: ${e.message}\n`);
  if (errors.length || !result.value) failed++;
  else process.stdout.write(`${name}: valid ${isAction ? 'action' : 'workflow'}\n`);
}
process.exit(failed ? 1 : 0);
