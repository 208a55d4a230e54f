// `changeset version` bumps package.json; the CLI's --version reads src/version.ts: keep them equal.
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
writeFileSync('src/version.ts', `/** Kept equal to package.json's version (a unit test checks). */\nexport const VERSION = '${version}';\n`);
