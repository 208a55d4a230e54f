// The config file is found from a subfolder: searched upward to the repository root (a folder holding .git).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/io/config-file.js';

let top: string;
let repo: string;
beforeEach(() => {
  top = mkdtempSync(path.join(tmpdir(), 'config-file-'));
  repo = path.join(top, 'repo');
  mkdirSync(path.join(repo, '.git'), { recursive: true });
  mkdirSync(path.join(repo, 'trainings/billing'), { recursive: true });
});
afterEach(() => rmSync(top, { recursive: true, force: true }));

describe('readConfigFile', () => {
  it('finds the config at the repository root from a subfolder, and says where it is', async () => {
    writeFileSync(path.join(repo, 'opencx-sync.config.json'), '{"dir": "trainings"}');
    const found = await readConfigFile(path.join(repo, 'trainings/billing'));
    expect(found).toEqual({ path: path.join('..', '..', 'opencx-sync.config.json'), text: '{"dir": "trainings"}', root: repo });
  });

  it('finds the config in the working directory first', async () => {
    writeFileSync(path.join(repo, 'opencx-sync.config.json'), '{}');
    writeFileSync(path.join(repo, 'trainings/opencx-sync.config.json'), '{"dir": "."}');
    expect(await readConfigFile(path.join(repo, 'trainings/billing'))).toMatchObject({ root: path.join(repo, 'trainings') });
  });

  it('stops at the repository root: a config above it is not this repository\'s', async () => {
    writeFileSync(path.join(top, 'opencx-sync.config.json'), '{}');
    expect(await readConfigFile(path.join(repo, 'trainings'))).toBeUndefined();
  });

  it('--config wins and is relative to the working directory', async () => {
    writeFileSync(path.join(repo, 'opencx-sync.config.json'), '{}');
    writeFileSync(path.join(repo, 'trainings/other.json'), '{"dir": "x"}');
    expect(await readConfigFile(path.join(repo, 'trainings'), 'other.json')).toEqual({ path: 'other.json', text: '{"dir": "x"}', root: path.join(repo, 'trainings') });
    await expect(readConfigFile(path.join(repo, 'trainings'), 'missing.json')).rejects.toThrow('config file missing.json not found');
  });
});
