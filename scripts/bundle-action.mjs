// Bundles the Action into one committed file, dist/action.js, as the runner needs no npm install.
// `node scripts/bundle-action.mjs --out FILE` writes elsewhere (the staleness test compares the two).
import { build } from 'esbuild';

const i = process.argv.indexOf('--out');
const outfile = i > 0 ? process.argv[i + 1] : 'dist/action.js';

await build({
  entryPoints: ['src/action/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  outfile,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies use require() and __filename: give the ESM bundle both.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
});
