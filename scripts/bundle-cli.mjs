// Bundles the CLI that package.json's bin runs: build/cli/opencx-sync.js and its chunks (not committed;
// `npm run build` writes them after tsc). One file instead of ~190 modules saves Node's loader ~100 ms
// of every run; code reached only through import() (the API client, apply, doctor, the sandbox) is in
// chunks of its own that an offline plan or validate never reads. undici stays a plain dependency:
// it is big and only the online commands load it.
import { cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const outdir = 'build/cli';

// yargs finds its translations (used when LANG names another language) at ../../../locales from its
// own file; bundled, that file is a chunk in build/cli/, so they are copied to build/cli/locales.
const YARGS_LOCALES = "resolve(__dirname, '../../../locales')";
const yargsLocales = {
  name: 'yargs-locales',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      // A yargs that finds them some other way must fail the build, not lose the translations quietly.
      if (!text.includes(YARGS_LOCALES)) throw new Error(`${args.path} no longer holds ${YARGS_LOCALES}: update scripts/bundle-cli.mjs`);
      return { contents: text.replace(YARGS_LOCALES, "resolve(__dirname, '../locales')"), loader: 'js' };
    });
  },
};

// js-yaml 3 loads esprima (~8 ms) when it starts, for the `!!js/function` tag of its full schema;
// core/parse.ts reads with its core schema, which has no such tag, so the bundle leaves esprima out.
const ESPRIMA = "esprima = _require('esprima');";
const noEsprima = {
  name: 'no-esprima',
  setup(b) {
    b.onLoad({ filter: /[\\/]js-yaml[\\/]lib[\\/]js-yaml[\\/]type[\\/]js[\\/]function\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes(ESPRIMA)) throw new Error(`${args.path} no longer holds ${ESPRIMA}: update scripts/bundle-cli.mjs`);
      return { contents: text.replace(ESPRIMA, 'esprima = undefined;'), loader: 'js' };
    });
  },
};

// string-width builds Unicode property regexes and an Intl.Segmenter when it is loaded (~15-20 ms of
// every run, for the two versions yargs, cliui and wrap-ansi use), yet it only measures text when the
// help is laid out. Each import of it gets a stand-in that requires the real one on its first call:
// esbuild then starts that module (and its own imports) only then.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) => {
      if (args.kind === 'require-call') return undefined; // the stand-in's own require: the real module
      return { path: args.resolveDir, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: "let real;\nexport default function stringWidth(text, options) {\n  real ??= require('string-width').default;\n  return real(text, options);\n}\n",
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

// Chunk names carry a content hash: clear out the last build's so the package holds only this one's.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { 'opencx-sync': 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir,
  chunkNames: '[name]-[hash]',
  external: ['undici'],
  // Smaller to read for Node, with every name kept for stack traces (--verbose).
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [yargsLocales, noEsprima, lazyStringWidth],
  // CommonJS dependencies use require() and __filename (write-file-atomic names its temporary files
  // with it): give every ESM output both. yargs declares a __dirname of its own, hence the other name.
  define: { __filename: '__bundleFilename' },
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __bundleFilename = __fileURLToPath(import.meta.url);',
    ].join(' '),
  },
});
cpSync('node_modules/yargs/locales', `${outdir}/locales`, { recursive: true });
