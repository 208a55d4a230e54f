// The GitHub Action: typed inputs -> the same Config and engine as the CLI -> job summary, outputs,
// annotations, a plan comment on the pull request, and the state file committed back after apply.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import type { OnDrift } from '../apply.js';
import { resolveConfig, type Config } from '../config.js';
import { issueText, type Issue } from '../core/issue.js';
import type { Plan } from '../core/plan.js';
import { describeWait } from '../core/wait.js';
import { hasErrors, loadTrainings, runApply, runPlan, type Hooks } from '../engine.js';
import { ApiError, redact, UserError } from '../errors.js';
import { readConfigFile } from '../io/config-file.js';
import { checkWholeNumber } from '../limits.js';
import { commitAndPush } from '../io/git.js';
import { applyMarkdown, COMMENT_MARKER, issuesMarkdown, planMarkdown, type LinkContext } from '../io/markdown.js';
import { countOutcomes, planToJson } from '../io/report.js';
import { plural } from '../plural.js';

type Command = 'validate' | 'plan' | 'apply';

interface Inputs {
  command: Command;
  dir: string;
  state: string;
  apiUrl: string;
  prune: boolean;
  maxDeletes: number;
  onDrift: OnDrift;
  refresh: boolean;
  comment: boolean;
  commitState: boolean;
  token: string;
}

function readInputs(): Inputs {
  const choice = <T extends string>(name: string, allowed: readonly T[], def: T): T => {
    const v = core.getInput(name) || def;
    if (!allowed.includes(v as T)) throw new UserError(`input ${name} must be one of ${allowed.join(', ')}, not "${v}"`);
    return v as T;
  };
  const bool = (name: string, def: boolean) => (core.getInput(name) ? core.getBooleanInput(name) : def);
  const maxDeletesRule = checkWholeNumber('max-deletes', core.getInput('max-deletes') || '10');
  if ('error' in maxDeletesRule) throw new UserError(`input max-deletes ${maxDeletesRule.error}`);
  const maxDeletes = maxDeletesRule.value;
  const command = choice('command', ['validate', 'plan', 'apply'] as const, 'plan');
  return {
    command,
    dir: core.getInput('dir'),
    state: core.getInput('state'),
    apiUrl: core.getInput('api-url'),
    prune: bool('prune', false),
    maxDeletes,
    onDrift: choice('on-drift', ['fail', 'skip', 'overwrite'] as const, 'fail'),
    refresh: bool('refresh', false),
    comment: bool('comment', true),
    commitState: bool('commit-state', command === 'apply'),
    token: core.getInput('github-token'),
  };
}

function annotate(issues: Issue[]) {
  for (const i of issues) {
    const props = { title: i.rule ? `opencx-sync: ${i.rule}` : 'opencx-sync', file: i.file, startLine: i.line, startColumn: i.col };
    if (i.severity === 'error') core.error(issueText(i), props);
    else core.warning(issueText(i), props);
  }
}

function linkContext(config: Config): LinkContext {
  if (!process.env.GITHUB_REPOSITORY) return { dir: config.dir, names: config.names };
  const { serverUrl, sha } = github.context;
  const pr = github.context.payload.pull_request as { head?: { sha?: string } } | undefined;
  const ref = pr?.head?.sha ?? sha;
  return { dir: config.dir, names: config.names, ...(ref ? { blobUrl: `${serverUrl}/${process.env.GITHUB_REPOSITORY}/blob/${ref}` } : {}) };
}

function setCounts(counts: { created: number; adopted?: number; updated: number; moved: number; deleted: number; failed: number }) {
  for (const [k, v] of Object.entries(counts)) core.setOutput(k, String(v));
}

async function writePlanJson(plan: Plan, config: Config): Promise<string> {
  const file = path.join(process.env.RUNNER_TEMP || config.cwd, 'opencx-sync-plan.json');
  await writeFile(file, JSON.stringify(planToJson(plan, config.dir), null, 2) + '\n');
  core.setOutput('plan-json', file);
  return file;
}

/** One comment per pull request, edited in place on every push. */
async function upsertComment(token: string, body: string) {
  const pr = github.context.payload.pull_request;
  if (!pr) return;
  const octokit = github.getOctokit(token);
  const { owner, repo } = github.context.repo;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: pr.number, per_page: 100 });
  const mine = comments.find((c) => c.body?.includes(COMMENT_MARKER));
  const text = `${COMMENT_MARKER}\n${body}`;
  if (mine) await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
  else await octokit.rest.issues.createComment({ owner, repo, issue_number: pr.number, body: text });
}

export async function run(): Promise<void> {
  const apiKey = core.getInput('api-key');
  if (apiKey) core.setSecret(apiKey);
  const inputs = readInputs();
  const cwd = process.env.GITHUB_WORKSPACE || process.cwd();
  const file = await readConfigFile(cwd);
  const config = resolveConfig({
    cwd,
    ...(file ? { file } : {}),
    env: { ...process.env, ...(apiKey ? { OPENCX_API_KEY: apiKey } : {}) },
    flags: {
      ...(inputs.dir ? { dir: inputs.dir } : {}),
      ...(inputs.state ? { state: inputs.state } : {}),
      ...(inputs.apiUrl ? { apiUrl: inputs.apiUrl } : {}),
    },
  });
  const links = linkContext(config);

  if (inputs.command === 'validate') {
    const loaded = await loadTrainings(config);
    annotate(loaded.issues);
    await core.summary.addRaw(issuesMarkdown(loaded.issues, loaded.files)).write();
    core.setOutput('has-changes', 'false');
    if (hasErrors(loaded.issues)) core.setFailed(`${plural(loaded.issues.filter((i) => i.severity === 'error').length, 'error')} in the training files`);
    return;
  }

  // A training with a value this version does not know, and long waits (a job log shows no progress bar).
  const hooks: Hooks = { warn: (line) => core.warning(line), onWait: (w) => core.info(describeWait(w)) };

  if (inputs.command === 'plan') {
    const { loaded, plan } = await runPlan(config, { prune: inputs.prune, refresh: inputs.refresh }, hooks);
    annotate(loaded.issues);
    if (!plan) {
      await core.summary.addRaw(issuesMarkdown(loaded.issues, loaded.files)).write();
      core.setFailed('invalid training files: see the annotations');
      return;
    }
    await writePlanJson(plan, config);
    const s = plan.summary;
    core.setOutput('has-changes', String(plan.changes.length > 0));
    setCounts({ created: s.create, updated: s.update, moved: s.move, deleted: s.delete, failed: 0 });
    const md = planMarkdown(plan, links);
    await core.summary.addRaw(md).write();
    if (inputs.comment && github.context.payload.pull_request) {
      if (!inputs.token) core.warning('comment is on but github-token is empty: the plan is in the job summary only');
      else {
        try {
          await upsertComment(inputs.token, md);
        } catch (err) {
          // Pull requests from forks get a read-only token: the summary still has the plan.
          core.warning(`could not comment on the pull request (${(err as Error).message}); the plan is in the job summary`);
        }
      }
    }
    return;
  }

  // A cancelled job gets SIGINT: finish what is in flight, record it, and still commit the state.
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
  const result = await runApply(config, {
    prune: inputs.prune,
    onDrift: inputs.onDrift,
    maxDeletes: inputs.maxDeletes,
    lockWaitMs: 60_000,
    refresh: true,
    signal: stop.signal,
  }, hooks);
  annotate(result.loaded.issues);
  if (!result.plan) {
    await core.summary.addRaw(issuesMarkdown(result.loaded.issues, result.loaded.files)).write();
    core.setFailed('invalid training files: nothing was sent to Open.cx');
    return;
  }
  await writePlanJson(result.plan, config);
  const counts = countOutcomes(result.outcomes);
  setCounts(counts);
  core.setOutput('has-changes', String(counts.created + counts.adopted + counts.updated + counts.moved + counts.deleted > 0));
  for (const o of result.outcomes) {
    if (o.status === 'failed') core.error(o.message, { title: `opencx-sync: ${o.change.key}`, file: path.posix.join(config.dir, o.change.path) });
  }
  await core.summary.addRaw(applyMarkdown(result.outcomes, result.plan, links)).write();
  if (inputs.commitState) {
    // Runs even after a partial failure: the state holds every success and must not be lost. runApply has
    // folded its journal into the state file, so the commit holds the compact file and no journal.
    const pushed = await commitAndPush(cwd, config.statePath, 'chore(opencx-sync): update state after apply [skip ci]');
    core.info(pushed ? `committed ${config.statePath}` : 'state file unchanged: nothing to commit');
  }
  if (counts.failed) core.setFailed(`${plural(counts.failed, 'training')} failed: see the summary`);
  else if (stop.signal.aborted) core.setFailed('cancelled: the changes not yet started were skipped; the next apply finishes them');
}


run().catch((err: unknown) => {
  const known = err instanceof UserError || err instanceof ApiError;
  const message = known ? err.message : `internal error (a bug in opencx-sync): ${(err as Error)?.message ?? String(err)}`;
  core.setFailed(redact(message, core.getInput('api-key') || process.env.OPENCX_API_KEY));
});
