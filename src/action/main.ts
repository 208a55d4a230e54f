// The GitHub Action: typed inputs -> the same Config and engine as the CLI -> job summary, outputs,
// annotations, a plan comment on the pull request, and the state file committed back after apply.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { resolveConfig, type Config } from '../config.js';
import { issueText, type Issue } from '../core/issue.js';
import { checkNamespace } from '../core/namespace.js';
import type { Plan } from '../core/plan.js';
import { describeWait } from '../core/wait.js';
import { hasErrors, loadTrainings, runApply, runPlan, type Hooks } from '../engine.js';
import { ApiError, redact, UserError } from '../errors.js';
import { readConfigFile } from '../io/config-file.js';
import { checkWholeNumber } from '../limits.js';
import { commitAndPush } from '../io/git.js';
import { applyMarkdown, COMMENT_MARKER, fingerprintIn, fingerprintMarker, issuesMarkdown, planMarkdown, type LinkContext } from '../render/markdown.js';
import { planToJson } from '../render/report.js';
import type { OnDrift, Verdict } from '../core/guards.js';
import { changedSomething, countOutcomes } from '../core/outcome.js';
import { plural } from '../core/plural.js';

type Command = 'validate' | 'plan' | 'apply';

interface Inputs {
  command: Command;
  dir: string;
  state: string;
  namespace: string;
  apiUrl: string;
  prune: boolean;
  maxDeletes: number;
  onDrift: OnDrift;
  refresh: boolean;
  adopt: boolean;
  comment: boolean;
  commitState: boolean;
  requireReviewedPlan: boolean;
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
  const namespaceError = checkNamespace(core.getInput('namespace'));
  if (namespaceError) throw new UserError(`input ${namespaceError}`);
  return {
    command,
    dir: core.getInput('dir'),
    state: core.getInput('state'),
    namespace: core.getInput('namespace'),
    apiUrl: core.getInput('api-url'),
    prune: bool('prune', false),
    maxDeletes,
    onDrift: choice('on-drift', ['fail', 'skip', 'overwrite'] as const, 'fail'),
    refresh: bool('refresh', false),
    adopt: bool('adopt', true),
    comment: bool('comment', true),
    commitState: bool('commit-state', command === 'apply'),
    requireReviewedPlan: bool('require-reviewed-plan', true),
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

/**
 * Markdown for the job summary and pull-request comments, the key hidden: plans quote what Open.cx holds
 * (an adoption's old content), and a comment is not masked the way the job log is.
 */
const hideKey = (md: string) => redact(md, core.getInput('api-key') || process.env.OPENCX_API_KEY);

async function writePlanJson(plan: Plan, config: Config, verdict?: Verdict): Promise<string> {
  const file = path.join(process.env.RUNNER_TEMP || config.cwd, 'opencx-sync-plan.json');
  await writeFile(file, hideKey(JSON.stringify(planToJson(plan, config.dir, verdict), null, 2)) + '\n');
  core.setOutput('plan-json', file);
  return file;
}

/** Marks the comment an apply posts when it refuses a merge: never taken for a reviewed plan. */
const REFUSED_MARKER = '<!-- opencx-sync:refused -->';

type Octokit = ReturnType<typeof github.getOctokit>;

async function findComment(octokit: Octokit, issue: number, marker: string) {
  const { owner, repo } = github.context.repo;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 });
  return comments.find((c) => c.body?.includes(marker) && trusted(c));
}

/** Comments by a bot (the workflow's token, an app) or a maintainer: anyone else could fake a marker. */
const trusted = (c: { user?: { type?: string } | null; author_association?: string }) =>
  c.user?.type === 'Bot' || ['OWNER', 'MEMBER', 'COLLABORATOR'].includes(c.author_association ?? '');

/** One comment per pull request and marker, edited in place on every push. */
async function upsertComment(token: string, issue: number, marker: string, body: string) {
  const octokit = github.getOctokit(token);
  const { owner, repo } = github.context.repo;
  const mine = await findComment(octokit, issue, marker);
  const text = `${marker}\n${body}`;
  if (mine) await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
  else await octokit.rest.issues.createComment({ owner, repo, issue_number: issue, body: text });
}

/** The pull request this commit merged and the fingerprint of the plan its comment showed, or why not. */
type Reviewed = { pr: number; fingerprint: string } | { pr?: number; why: string };

async function reviewedPlan(token: string): Promise<Reviewed> {
  const { sha } = github.context;
  if (!token) return { why: 'github-token is empty, so the pull request of this commit cannot be looked up' };
  try {
    const octokit = github.getOctokit(token);
    const { owner, repo } = github.context.repo;
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 });
    // A squash or merge commit is its pull request's merge_commit_sha; a rebase merge lands the PR's commits.
    const pr = data.find((p) => p.merge_commit_sha === sha) ?? data.find((p) => p.merged_at);
    if (!pr) return { why: `no merged pull request has commit ${sha} (a direct push?)` };
    const comment = await findComment(octokit, pr.number, COMMENT_MARKER);
    const fingerprint = comment?.body ? fingerprintIn(comment.body) : undefined;
    if (!fingerprint) return { pr: pr.number, why: `pull request #${pr.number} has no opencx-sync plan comment with a fingerprint (the plan step must run on the pull request with comment: true)` };
    return { pr: pr.number, fingerprint };
  } catch (err) {
    return { why: `could not look up the pull request of commit ${sha} (${(err as Error).message})` };
  }
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
      ...(inputs.namespace ? { namespace: inputs.namespace } : {}),
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
    const { loaded, plan, verdict } = await runPlan(config, { prune: inputs.prune, refresh: inputs.refresh, maxDeletes: inputs.maxDeletes, adopt: inputs.adopt }, hooks);
    annotate(loaded.issues);
    if (!plan) {
      await core.summary.addRaw(issuesMarkdown(loaded.issues, loaded.files)).write();
      core.setFailed('invalid training files: see the annotations');
      return;
    }
    // What apply would refuse (too many deletes, an empty folder) shows in the plan, in apply's words.
    await writePlanJson(plan, config, verdict);
    // The public plan's counts: an adoption is not a create.
    const s = planToJson(plan, config.dir, verdict).summary;
    core.setOutput('has-changes', String(plan.changes.length > 0));
    setCounts({ created: s.create, adopted: s.adopt, updated: s.update + s.retag, moved: s.move, deleted: s.delete, failed: 0 });
    const md = hideKey(planMarkdown(plan, links, undefined, verdict));
    await core.summary.addRaw(md).write();
    if (inputs.comment && github.context.payload.pull_request) {
      if (!inputs.token) core.warning('comment is on but github-token is empty: the plan is in the job summary only');
      else {
        try {
          await upsertComment(inputs.token, github.context.payload.pull_request.number, COMMENT_MARKER, `${fingerprintMarker(plan.fingerprint)}\n${md}`);
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
  // Asked by the engine with the final plan, before anything is written: false sends nothing.
  let refused: { reviewed: Reviewed; plan: Plan } | undefined;
  const confirm = async (plan: Plan) => {
    const reviewed = await reviewedPlan(inputs.token);
    if ('fingerprint' in reviewed && reviewed.fingerprint === plan.fingerprint) {
      core.info(`the plan equals the one reviewed on pull request #${reviewed.pr}: applying`);
      return true;
    }
    refused = { reviewed, plan };
    return false;
  };
  const result = await runApply(config, {
    prune: inputs.prune,
    onDrift: inputs.onDrift,
    maxDeletes: inputs.maxDeletes,
    lockWaitMs: 60_000,
    refresh: true,
    adopt: inputs.adopt,
    signal: stop.signal,
  }, { ...hooks, ...(inputs.requireReviewedPlan ? { confirm } : {}) });
  annotate(result.loaded.issues);
  if (!result.plan) {
    await core.summary.addRaw(issuesMarkdown(result.loaded.issues, result.loaded.files)).write();
    core.setFailed('invalid training files: nothing was sent to Open.cx');
    return;
  }
  await writePlanJson(result.plan, config);
  if (refused) {
    await refuse(refused.reviewed, refused.plan, inputs.token, links);
    return;
  }
  const counts = countOutcomes(result.outcomes);
  setCounts(counts);
  core.setOutput('has-changes', String(changedSomething(counts)));
  for (const o of result.outcomes) {
    if (o.status === 'failed') core.error(o.message, { title: `opencx-sync: ${o.change.key}`, file: path.posix.join(config.dir, o.change.path) });
  }
  await core.summary.addRaw(hideKey(applyMarkdown(result.outcomes, result.plan, links))).write();
  if (inputs.commitState) {
    // Runs even after a partial failure: the state holds every success and must not be lost. runApply has
    // folded its journal into the state file, so the commit holds the compact file and no journal.
    const pushed = await commitAndPush(cwd, config.statePath, 'chore(opencx-sync): update state after apply [skip ci]');
    core.info(pushed ? `committed ${config.statePath}` : 'state file unchanged: nothing to commit');
  }
  if (counts.failed) core.setFailed(`${plural(counts.failed, 'training')} failed: see the summary`);
  else if (stop.signal.aborted) core.setFailed('cancelled: the changes not yet started were skipped; the next apply finishes them');
}

/** The merge's plan is not the reviewed one: say why in the summary and on the pull request, and fail. */
async function refuse(reviewed: Reviewed, plan: Plan, token: string, links: LinkContext) {
  const { sha } = github.context;
  const why = 'fingerprint' in reviewed
    ? `the plan for commit ${sha} differs from the plan reviewed on pull request #${reviewed.pr} (the files, the state or Open.cx changed since that plan was posted)`
    : reviewed.why;
  const md = hideKey(planMarkdown(plan, links));
  const howTo = 'To apply it anyway, review the plan below and run this workflow again with `require-reviewed-plan: false` (for example from a `workflow_dispatch` trigger); or open a pull request so a new plan is reviewed.';
  await core.summary.addRaw(`### opencx-sync apply refused\n\nNothing was sent to Open.cx: ${why}.\n\n${howTo}\n\n${md}`).write();
  if (reviewed.pr !== undefined) {
    const note = `**opencx-sync did not apply ${sha}.** This is what would have been applied; ${'fingerprint' in reviewed ? 'it differs from the reviewed plan' : why}, so nothing was sent to Open.cx. ${howTo}`;
    try {
      await upsertComment(token, reviewed.pr, REFUSED_MARKER, `${note}\n\n${md}`);
    } catch (err) {
      core.warning(`could not comment on pull request #${reviewed.pr} (${(err as Error).message}); the plan is in the job summary`);
    }
  }
  core.setFailed(`refused: ${why}. Nothing was sent to Open.cx; the job summary has the plan and how to override`);
}

run().catch((err: unknown) => {
  const known = err instanceof UserError || err instanceof ApiError;
  const message = known ? err.message : `internal error (a bug in opencx-sync): ${(err as Error)?.message ?? String(err)}`;
  core.setFailed(redact(message, core.getInput('api-key') || process.env.OPENCX_API_KEY));
});
