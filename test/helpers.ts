// Shared by the end-to-end tests: run the built CLI as a child process, and make throw-away workspaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOutput, wantsJson } from './json-output.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI as package.json's bin ships it: the esbuild bundle (scripts/bundle-cli.mjs), so the tests run what users run. */
export const CLI = path.join(ROOT, 'build/cli/opencx-sync.js');
export const KEY = 'sandbox-key-3f9a1c7e';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child).then((r) => {
    // The JSON contract: a run that ended on its own prints exactly one document matching its schema.
    if (wantsJson(args) && r.signal === null) parseOutput(r.stdout);
    return r;
  });
}

/** Everything a spawned child prints, and how it ended. */
export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface Workspace {
  dir: string;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  read(rel: string): string;
  cleanup(): void;
}

/** A temp folder with a trainings/ folder; files are written relative to the workspace root. */
export function workspace(files: Record<string, string> = {}): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'opencx-sync-test-'));
  mkdirSync(path.join(dir, 'trainings'));
  const ws: Workspace = {
    dir,
    write: (rel, text) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    },
    remove: (rel) => rmSync(path.join(dir, rel)),
    read: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [rel, text] of Object.entries(files)) ws.write(rel, text);
  return ws;
}

export function trainingFile(title: string, body = `How to answer "${title}".`, fm: Record<string, unknown> = {}): string {
  const extra = Object.entries(fm).map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join('');
  return `---\ntitle: ${JSON.stringify(title)}\n${extra}---\n${body}\n`;
}
