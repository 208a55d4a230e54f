// The README is for users: its first screen says how to install and try the tool, its command
// reference is the CLI's own --help, and it cites nothing outside the repository.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandReference, withReference } from '../../scripts/readme.js';
import { ROOT } from '../helpers.js';

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('README.md', () => {
  it('holds the command reference that `npm run readme` writes from --help', () => {
    expect(readme, 'README.md is stale: run "npm run readme" and commit it').toBe(withReference(readme, commandReference()));
  });

  it('tells how to install and try the tool on its first screen', () => {
    const first = readme.split('\n').slice(0, 40).join('\n');
    expect(first).toContain('npm i -D opencx-sync');
    expect(first).toContain('npx opencx-sync');
    expect(first).toContain('## Try it in five minutes');
  });

  it('keeps the sections others link to', () => {
    for (const heading of ['## Failure and recovery', '## Configuration', '## Use in GitHub', '### Set up (two commands)', '### Benchmarks', '## Command reference']) {
      expect(readme).toContain(`\n${heading}\n`);
    }
  });

  it('links only to files inside the repository, and they exist', () => {
    expect(readme).not.toContain('../shared');
    for (const [, target] of readme.matchAll(/\]\((?!https?:|#)([^)#]+)/g)) {
      expect(existsSync(path.join(ROOT, target as string)), target).toBe(true);
    }
  });
});
