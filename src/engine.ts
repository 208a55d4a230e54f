// scan -> parse -> validate -> plan -> apply -> state. One engine for the CLI and the Action alike.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { applyPlan, type OnDrift, type Outcome } from './apply.js';
import type { Config } from './config.js';
import { type Issue, sortIssues } from './core/issue.js';
import { asSkipped, parseTrainingFile } from './core/parse.js';
import { planChanges, type Plan } from './core/plan.js';
import { emptyState, type State } from './core/state.js';
import { fieldsOfRemote, keyOfRemote, MANAGED_BY, type RemoteTraining } from './core/training.js';
import { hashFields } from './core/hash.js';
import { validateTrainingSet, type ValidatedSet } from './core/validate.js';
import { UserError } from './errors.js';
import { ApiClient, type ApiStats } from './io/api.js';
import { acquireLock } from './io/lock.js';
import { OpencxRemote, type Remote } from './io/remote.js';
import { readSourceFiles } from './io/scan.js';
import { discardJournal, readCurrentState, recoverState, removeStaleTempFiles, StateStore, writeStateFile } from './io/state-file.js';
import { VERSION } from './version.js';

export { VERSION } from './version.js';

export interface Loaded extends ValidatedSet {
  files: number;
}

export interface Hooks {
  /** Detail for --verbose; never carries the key. */
  log?: (line: string) => void;
  onOutcome?: (o: Outcome, done: number, total: number) => void;
}

/** Reads and checks every file. `overrides` replaces file text by display path (staged content). */
export async function loadTrainings(config: Config, overrides?: Map<string, string>): Promise<Loaded> {
  const { files: sources, issues: scanIssues } = await readSourceFiles({ cwd: config.cwd, dir: config.dir, ignore: config.ignore });
  const results = sources.map((s) => {
    const file = { ...s, text: overrides?.get(s.displayPath) ?? s.text };
    const result = parseTrainingFile(file, config.names);
    return { displayPath: s.displayPath, result: s.ignored ? asSkipped(result, s.path) : result };
  });
  const set = validateTrainingSet(results);
  return { ...set, issues: sortIssues([...scanIssues, ...set.issues]), files: sources.filter((s) => !s.ignored).length };
}

export const hasErrors = (issues: Issue[]) => issues.some((i) => i.severity === 'error');

function statePath(config: Config) {
  return path.resolve(config.cwd, config.statePath);
}

/** The state file with any journal a killed run left replayed in memory: writes nothing. */
async function readState(config: Config): Promise<State | undefined> {
  return readCurrentState(statePath(config));
}

interface Connection {
  remote: Remote;
  api: ApiClient;
}

function connect(config: Config, hooks: Hooks): Connection {
  if (!config.apiKey) {
    throw new UserError('OPENCX_API_KEY is not set: create a key with training:read and training:write in Open.cx (Settings > Access) and export it');
  }
  const api = new ApiClient({
    baseUrl: config.apiUrl,
    apiKey: config.apiKey,
    rateLimit: config.rateLimit,
    concurrency: config.concurrency,
    timeoutMs: config.timeoutMs,
    attempts: config.attempts,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: 30_000,
    userAgent: `opencx-sync/${VERSION}`,
    ...(hooks.log ? { log: hooks.log } : {}),
  });
  return { api, remote: new OpencxRemote(api) };
}

async function withConnection<T>(config: Config, hooks: Hooks, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = connect(config, hooks);
  try {
    return await fn(c);
  } finally {
    await c.api.close();
  }
}

export interface PlanResult {
  loaded: Loaded;
  plan: Plan | undefined;
  stats?: ApiStats;
}

/** Offline unless `refresh`: reads the files and the state file, sends nothing. */
export async function runPlan(config: Config, opts: { prune: boolean; refresh: boolean }, hooks: Hooks = {}): Promise<PlanResult> {
  const loaded = await loadTrainings(config);
  if (hasErrors(loaded.issues)) return { loaded, plan: undefined };
  const state = (await readState(config)) ?? emptyState('none');
  if (!opts.refresh) return { loaded, plan: planChanges({ ...loaded, state, prune: opts.prune }) };
  return withConnection(config, hooks, async ({ remote, api }) => {
    const listed = await readRemote(remote, state);
    return { loaded, plan: planChanges({ ...loaded, state, prune: opts.prune, remote: listed }), stats: api.stats };
  });
}

/**
 * The managed trainings, plus each tracked one the listing misses but its id still finds: a training
 * whose tag was removed in the dashboard is not deleted, and must never be created again.
 */
async function readRemote(remote: Remote, state: State): Promise<RemoteTraining[]> {
  const listed = await remote.list({ managed_by: MANAGED_BY });
  const ids = new Set(listed.map((r) => r.id));
  const missing = [...new Set([...state.trainings.values()].map((e) => e.id))].filter((id) => !ids.has(id));
  const found = await Promise.all(missing.map((id) => remote.get(id)));
  return [...listed, ...found.filter((r): r is RemoteTraining => r !== undefined)];
}

export interface ApplyResult extends PlanResult {
  outcomes: Outcome[];
}

export interface ApplyOptions {
  prune: boolean;
  onDrift: OnDrift;
  maxDeletes: number;
  /** How long to wait for another run's lock on the state file, in ms. */
  lockWaitMs: number;
  /** List the managed trainings first, to find drift everywhere (one request per 100 trainings). */
  refresh: boolean;
  /** Stops starting new changes (Ctrl-C, a cancelled CI job); what is in flight completes. */
  signal?: AbortSignal;
}

/**
 * Validates everything first and sends nothing unless every file is valid and every guard passes.
 * With `refresh` (the default) it lists the managed trainings first, so edits made in Open.cx since the
 * last apply are found for every training, not only for those the files change.
 */
export async function runApply(config: Config, opts: ApplyOptions, hooks: Hooks = {}): Promise<ApplyResult> {
  const loaded = await loadTrainings(config);
  if (hasErrors(loaded.issues)) return { loaded, plan: undefined, outcomes: [] };
  const file = statePath(config);
  const lock = await acquireLock(file, { waitMs: opts.lockWaitMs, command: 'opencx-sync apply', ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    await removeStaleTempFiles(file);
    // A journal a killed run left is folded in before anything is planned from the state.
    const { state: existing, base } = await recoverState(file);
    const state = existing ?? emptyState(randomUUID());
    const offline = planChanges({ ...loaded, state, prune: opts.prune });
    checkDeleteGuards(offline, loaded, opts);
    if (!opts.refresh && offline.changes.length === 0 && existing) return { loaded, plan: offline, outcomes: [] };
    return await withConnection(config, hooks, async ({ remote, api }) => {
      const untouched = state.trainings.size === 0 && state.pending.size === 0;
      const listed = opts.refresh || untouched ? await readRemote(remote, state) : [];
      if (untouched && listed.length > 0) refuseDuplicates(listed.length, file, existing !== undefined);
      const plan = opts.refresh ? planChanges({ ...loaded, state, prune: opts.prune, remote: listed }) : offline;
      checkDeleteGuards(plan, loaded, opts);
      if (plan.changes.length === 0) return { loaded, plan, outcomes: [], stats: api.stats };
      const store = new StateStore(file, state, undefined, { base });
      let outcomes: Outcome[];
      try {
        await store.commit({ type: 'begin' });
        outcomes = await applyPlan(plan.changes, remote, store, {
          onDrift: opts.onDrift,
          concurrency: config.concurrency,
          createAttempts: config.attempts,
          refreshed: opts.refresh,
          // A failed state write stops the run like a Ctrl-C: nothing more that could not be recorded.
          signal: opts.signal ? AbortSignal.any([opts.signal, store.stopped]) : store.stopped,
          ...(hooks.onOutcome ? { onOutcome: hooks.onOutcome } : {}),
        });
      } catch (err) {
        await store.close().catch(() => undefined);
        throw err;
      }
      // Folds the journal into the state file before the lock is released (and before the Action commits it).
      await store.close();
      store.throwIfFailed();
      return { loaded, plan, outcomes, stats: api.stats };
    });
  } finally {
    await lock.release();
  }
}

function checkDeleteGuards(plan: Plan, loaded: Loaded, opts: ApplyOptions) {
  const deletes = plan.summary.delete;
  if (deletes === 0) return;
  if (loaded.trainings.length === 0) {
    throw new UserError(`refusing to delete ${deletes} training(s): the trainings folder has no trainings, which looks like a wrong --dir rather than an intent to delete everything`);
  }
  if (deletes > opts.maxDeletes) {
    throw new UserError(`refusing to apply: the plan deletes ${deletes} training(s), more than --max-deletes ${opts.maxDeletes}; check the plan, then raise --max-deletes`);
  }
}

/** With no state, creating would duplicate whatever an earlier (lost) state file tracked. */
function refuseDuplicates(found: number, file: string, stateExisted: boolean): never {
  const why = stateExisted ? `state file ${file} tracks nothing` : `there is no state file ${file}`;
  throw new UserError(
    `${why}, but Open.cx already holds ${found} training(s) made by opencx-sync: run "opencx-sync state rebuild" to recover the state instead of creating duplicates`,
  );
}

export interface RebuildResult {
  state: State;
  /** Keys carried by more than one remote training: the oldest is tracked, the others listed. */
  duplicates: { key: string; ids: string[] }[];
  stats: ApiStats;
}

/** Recreates a lost state file from the `metadata.key` tags of the managed trainings. */
export async function runStateRebuild(config: Config, opts: { force: boolean }, hooks: Hooks = {}): Promise<RebuildResult> {
  const file = statePath(config);
  const lock = await acquireLock(file, { waitMs: 5_000, command: 'opencx-sync state rebuild' });
  try {
    await removeStaleTempFiles(file);
    const existing = await readState(config).catch(() => undefined);
    if (existing && existing.trainings.size > 0 && !opts.force) {
      throw new UserError(`state file ${file} already tracks ${existing.trainings.size} training(s): pass --force to replace it`);
    }
    const loaded = await loadTrainings(config).catch(() => undefined);
    const pathOf = new Map((loaded?.trainings ?? []).map((t) => [t.key, t.path]));
    return await withConnection(config, hooks, async ({ remote, api }) => {
      const listed = await remote.list({ managed_by: MANAGED_BY });
      const byKey = new Map<string, RemoteTraining[]>();
      for (const r of listed) {
        const k = keyOfRemote(r);
        if (k !== undefined) byKey.set(k, [...(byKey.get(k) ?? []), r]);
      }
      let state = emptyState(existing?.lineage ?? randomUUID());
      state = { ...state, serial: (existing?.serial ?? 0) + 1 };
      const duplicates: RebuildResult['duplicates'] = [];
      for (const [key, rs] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
        const [first, ...rest] = rs;
        if (!first) continue;
        if (rest.length) duplicates.push({ key, ids: rs.map((r) => r.id) });
        const fields = fieldsOfRemote(first);
        state.trainings.set(key, { id: first.id, path: pathOf.get(key) ?? `${key}.md`, hash: hashFields(fields), applied: fields });
      }
      await writeStateFile(file, state);
      // The new state replaces the old one, and with it the changes a killed run journalled on it.
      await discardJournal(file);
      return { state, duplicates, stats: api.stats };
    });
  } finally {
    await lock.release();
  }
}
