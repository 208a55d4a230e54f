// Lint rules, and the layering the code follows, one entry per layer (lowest first):
//   core    pure domain: data in, data out; imports nothing outside src/core; no function over 60 lines
//   render  pure text, JSON and Markdown from core values; no I/O, no adapters, no application
//   io      adapters (files, HTTP, git); never the application (engine, apply), render, cli or action
//   engine.ts, apply.ts   the application: core + io; never render, cli or action
//   cli, action           thin shells over the engine; never each other
//   sandbox               the local Open.cx API: core only
// errors.ts, limits.ts, version.ts and config.ts are shared leaves any layer above core may use.
import tseslint from 'typescript-eslint';

/** Modules that do I/O or read the process: kept out of the pure layers. */
const IO_MODULES = ['node:fs', 'node:fs/*', 'fs', 'fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process', 'node:process', 'node:readline', 'node:os', 'node:timers/promises'];
const ADAPTER_LIBS = ['undici', 'yargs', 'yargs/*', '@actions/*', 'picocolors', 'fast-glob', 'write-file-atomic'];
const PURE_GLOBALS = [
  { name: 'process', message: 'a pure layer: pass values in.' },
  { name: 'console', message: 'a pure layer prints nothing: return the text.' },
];

/** One layer: the files, and the import groups they must not use (type imports of adapter libs are fine). */
function layer(files, forbidden, extra = {}) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: forbidden.map(([group, message, allowTypeImports = false]) => ({ group, message, allowTypeImports })) }],
      ...extra,
    },
  };
}

const up = (prefix, names) => names.map((n) => `${prefix}${n}`);
const SHELL = ['io/*', 'render/*', 'cli/*', 'action/*', 'sandbox/*', 'engine.js', 'apply.js', 'config.js', 'errors.js', 'limits.js', 'version.js'];

export default tseslint.config(
  { ignores: ['build/', 'dist/', 'node_modules/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['src/core/*.ts'], [
    [IO_MODULES, 'src/core is pure: do I/O in src/io.'],
    [ADAPTER_LIBS, 'src/core is pure: adapters live in src/io, src/cli and src/action.'],
    [up('../', SHELL), 'src/core must not depend on the shell around it.'],
  ], { 'no-restricted-globals': ['error', ...PURE_GLOBALS] }),
  layer(['src/core/*/**/*.ts'], [
    [IO_MODULES, 'src/core is pure: do I/O in src/io.'],
    [ADAPTER_LIBS, 'src/core is pure: adapters live in src/io, src/cli and src/action.'],
    [up('../../', SHELL), 'src/core must not depend on the shell around it.'],
  ], { 'no-restricted-globals': ['error', ...PURE_GLOBALS] }),
  // The core reads in one pass: a function longer than a screen is split into named phases.
  { files: ['src/core/**/*.ts'], rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }] } },
  layer(['src/render/**/*.ts'], [
    [IO_MODULES, 'src/render builds strings: the caller writes them (src/cli, src/action).'],
    [ADAPTER_LIBS, 'src/render builds strings: no adapters (a type import of picocolors is fine).', true],
    [up('../', ['io/*', 'cli/*', 'action/*', 'sandbox/*', 'engine.js', 'apply.js', 'config.js']), 'src/render renders core values: it never reaches the adapters or the application.'],
  ], { 'no-restricted-globals': ['error', ...PURE_GLOBALS] }),
  layer(['src/io/**/*.ts'], [
    [['yargs', 'yargs/*', '@actions/*', 'picocolors'], 'src/io is adapters: the CLI and the Action own the terminal and GitHub.'],
    [up('../', ['render/*', 'cli/*', 'action/*', 'sandbox/*', 'engine.js', 'apply.js']), 'src/io never imports the application layer, render, the CLI or the Action.'],
  ]),
  layer(['src/engine.ts', 'src/apply.ts'], [
    [['yargs', 'yargs/*', '@actions/*', 'picocolors'], 'the engine is shared by the CLI and the Action: no terminal, no GitHub.'],
    [['./render/*', './cli/*', './action/*', './sandbox/*'], 'the engine returns values: the CLI and the Action render them.'],
  ]),
  layer(['src/cli/**/*.ts'], [
    [['@actions/*'], 'the CLI never uses the Action toolkit.'],
    [['../action/*'], 'the CLI and the Action never import each other: share through the engine, render or core.'],
  ]),
  layer(['src/action/**/*.ts'], [
    [['yargs', 'yargs/*'], 'the Action reads its inputs with @actions/core, not yargs.'],
    [['../cli/*', '../sandbox/*'], 'the CLI and the Action never import each other (nor does the Action bundle the sandbox).'],
  ]),
  layer(['src/sandbox/**/*.ts'], [
    [['undici', 'yargs', 'yargs/*', '@actions/*', 'picocolors'], 'the sandbox is a plain node:http server.'],
    [up('../', ['io/*', 'render/*', 'cli/*', 'action/*', 'engine.js', 'apply.js', 'config.js']), 'the sandbox stands in for Open.cx: it shares only the core model.'],
  ]),
);
