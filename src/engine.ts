// scan -> parse -> validate -> plan -> apply -> state. One engine for the CLI and the Action alike.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { OnDrift, Outcome } from './apply.js';
import type { Config } from './config.js';
import { type Issue, sortIssues } from './core/issue.js';
import type { WaitNotice } from './core/wait.js';
import { asSkipped, parseTrainingFile, type ParseResult } from './core/parse.js';
import { deleteRefusal, verdictOf, type OnDrift as PlanOnDrift, type Verdict } from './core/guards.js';
import { planChanges, withChanges, type Plan } from './core/plan.js';
import { madeFrom, optionsOf, replanCommand, savedChanges, staleLocally, staleRemotely, type MadeFrom } from './core/saved-plan.js';
import { emptyState, type State, type StateEvent } from './core/state.js';
import { byCreation, fieldsOfRemote, keyOfRemote, MANAGED_BY, type RemoteTraining } from './core/training.js';
import { hashFields } from './core/hash.js';
import { validateTrainingSet, type ValidatedSet } from './core/validate.js';
import { linkTargets } from './core/rules/index.js';
import { UserError } from './errors.js';
// The HTTP client (undici), the remote and apply are loaded when a command goes online: an offline plan
// or validate never pays for them (undici alone costs ~70 ms of start-up).
import type { ApiClient, ApiStats, WaitReason } from './io/api.js';
import { acquireLock } from './io/lock.js';
import type { Remote } from './io/remote.js';
import { existingPaths } from './io/paths.js';
import { readSourceFiles } from './io/scan.js';
import { discardJournal, readCurrentState, recoverState, removeStaleTempFiles, StateStore, writeStateFile } from './io/state-file.js';
import { VERSION } from './version.js';
import { plural } from './plural.js';

export { VERSION } from './version.js';

export interface Loaded extends ValidatedSet {
  files: number;
}

export interface Hooks {
  /** Detail for --verbose; never carries the key. */
  log?: (line: string) => void;
  onOutcome?: (o: Outcome, done: number, total: number) => void;
  /** A training read from Open.cx with a value this version does not know: kept, and said here. */
  warn?: (line: string) => void;
  /** A wait of a few seconds (rate limit, retry backoff), told again every few seconds; done/total once applying. */
  onWait?: (w: WaitNotice) => void;
}

/** Reads and checks every file. `overrides` replaces file text by display path (staged content). */
export async function loadTrainings(config: Config, overrides?: Map<string, string>): Promise<Loaded> {
  const { files: sources, issues: scanIssues } = await readSourceFiles({ cwd: config.cwd, dir: config.dir, ignore: config.ignore });
  const results = sources.map((s) => {
    const file = { ...s, text: overrides?.get(s.displayPath) ?? s.text };
    const result = parseTrainingFile(file, config.names);
    return { displayPath: s.displayPath, result: s.ignored ? asSkipped(result, s.path) : result };
  });
  const set = validateParsed(config, results);
  return { ...set, issues: sortIssues([...scanIssues, ...set.issues]), files: sources.filter((s) => !s.ignored).length };
}

/** The checks across files (one key per training, the content checks) over files already parsed. */
function validateParsed(config: Config, results: { displayPath: string; result: ParseResult }[]): ValidatedSet {
  // relative-link needs to know which linked paths exist; the core reads nothing, so look them up here.
  const linked = config.rules?.get('relative-link')?.severity === 'off' ? [] : linkTargets(results.flatMap(({ displayPath, result }) => (result.kind === 'training' ? [{ displayPath, training: result.training }] : [])));
  const segmentNames = new Map([...config.names.segments].map(([name, id]) => [id, name]));
  return validateTrainingSet(results, { rules: config.rules, context: { existingPaths: existingPaths(config.cwd, linked), segmentNames } });
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

/** What apply has done so far, for the wait notices. */
interface Progress {
  done: number;
  total: number | undefined;
}

async function connect(config: Config, hooks: Hooks, signal?: AbortSignal, progress: Progress = { done: 0, total: undefined }): Promise<Connection> {
  if (!config.apiKey) {
    throw new UserError('OPENCX_API_KEY is not set: create a key with training:read and training:write in Open.cx (Settings > Access) and export it');
  }
  const [{ ApiClient }, { OpencxRemote }] = await Promise.all([import('./io/api.js'), import('./io/remote.js')]);
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
    ...(signal ? { signal } : {}),
    ...(hooks.onWait ? { onWait: (w: { ms: number; reason: WaitReason }) => hooks.onWait?.({ ...w, ...progress }) } : {}),
  });
  return { api, remote: new OpencxRemote(api, hooks.warn ? { warn: hooks.warn } : {}) };
}

async function withConnection<T>(
  config: Config,
  hooks: Hooks,
  fn: (c: Connection) => Promise<T>,
  signal?: AbortSignal,
  progress?: Progress,
): Promise<T> {
  const c = await connect(config, hooks, signal, progress);
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

export interface PlanOptions {
  prune: boolean;
  refresh: boolean;
  /** As apply would be run: what it refuses or skips is reported with the plan. */
  onDrift?: PlanOnDrift;
  maxDeletes?: number;
  /** Also return what the plan was made from, for a saved plan (`plan --out`). */
  save?: boolean;
}

export interface PlanRunResult extends PlanResult {
  /** What apply, run with the same options, would refuse or skip (empty without a plan). */
  verdict: Verdict;
  /** With `save`: what the plan was made from, to check it is still current at apply. */
  saved?: MadeFrom;
}

/** Offline unless `refresh`: reads the files and the state file, sends nothing. */
export async function runPlan(config: Config, opts: PlanOptions, hooks: Hooks = {}): Promise<PlanRunResult> {
  const loaded = await loadTrainings(config);
  if (hasErrors(loaded.issues)) return { loaded, plan: undefined, verdict: { refusals: [], skips: [] } };
  const existing = await readState(config);
  const state = existing ?? emptyState('none');
  const options = { prune: opts.prune, refresh: opts.refresh, onDrift: opts.onDrift ?? 'fail', maxDeletes: opts.maxDeletes ?? 10 };
  const offline = againstState(planChanges({ ...loaded, state, prune: opts.prune }), existing);
  const finish = (plan: Plan, remote?: RemoteTraining[]): PlanRunResult => ({
    loaded,
    plan,
    verdict: verdictOf(plan, { trainings: loaded.trainings.length, ...options }),
    ...(opts.save ? { saved: madeFrom({ plan, offline, trainings: loaded.trainings, dir: config.dir, options, ...(remote ? { remote } : {}) }) } : {}),
  });
  if (!opts.refresh) return finish(offline);
  return withConnection(config, hooks, async ({ remote, api }) => {
    const listed = await readRemote(remote, state);
    return { ...finish(againstState(planChanges({ ...loaded, state, prune: opts.prune, remote: listed }), existing), listed), stats: api.stats };
  });
}

/** A plan made with no state file names no lineage (the one in memory is made up for the run). */
const againstState = (plan: Plan, existing: State | undefined): Plan => (existing ? plan : { ...plan, lineage: null });

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
  /** The confirmation was answered no: nothing was sent. */
  cancelled?: boolean;
}

export interface ApplyHooks extends Hooks {
  /** Asked once the plan is final, before any write; false cancels the apply. Not asked for a saved plan. */
  confirm?: (plan: Plan) => Promise<boolean>;
}

/** A saved plan to apply exactly: what it was made from, and its file (for messages). */
export interface SavedPlan {
  from: MadeFrom;
  file: string;
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
  /** Apply exactly this saved plan: its options replace prune, onDrift, maxDeletes and refresh. */
  saved?: SavedPlan;
}

/**
 * Validates everything first and sends nothing unless every file is valid and every guard passes.
 * With `refresh` (the default) it lists the managed trainings first, so edits made in Open.cx since the
 * last apply are found for every training, not only for those the files change.
 */
export async function runApply(config: Config, given: ApplyOptions, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const saved = given.saved;
  const opts: ApplyOptions = saved ? { ...given, ...optionsOf(saved.from) } : given;
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
    if (saved) {
      const now = { lineage: existing?.lineage ?? null, serial: state.serial, dir: config.dir, trainings: loaded.trainings, offline };
      const why = staleLocally(saved.from, now);
      if (why) throw staleError(saved, why);
    }
    checkDeleteGuards(offline, loaded, opts);
    if (!opts.refresh && offline.changes.length === 0 && existing) return { loaded, plan: offline, outcomes: [] };
    const progress: Progress = { done: 0, total: undefined };
    return await withConnection(config, hooks, async ({ remote, api }) => {
      const untouched = state.trainings.size === 0 && state.pending.size === 0;
      const listed = opts.refresh || untouched ? await readRemote(remote, state) : [];
      if (untouched && listed.length > 0) refuseDuplicates(listed.length, file, existing !== undefined);
      let plan = opts.refresh ? planChanges({ ...loaded, state, prune: opts.prune, remote: listed }) : offline;
      if (saved) plan = exactly(saved, plan, listed, state);
      checkDeleteGuards(plan, loaded, opts);
      if (plan.changes.length === 0) return { loaded, plan, outcomes: [], stats: api.stats };
      if (!saved && hooks.confirm && !(await hooks.confirm(plan))) return { loaded, plan, outcomes: [], cancelled: true, stats: api.stats };
      const store = new StateStore(file, state, undefined, { base });
      let outcomes: Outcome[];
      try {
        bumpSerialOnFirstChange(store);
        progress.total = plan.changes.length;
        const { applyPlan } = await import('./apply.js');
        outcomes = await applyPlan(plan.changes, remote, store, {
          onDrift: opts.onDrift,
          concurrency: config.concurrency,
          createAttempts: config.attempts,
          refreshed: opts.refresh,
          // A failed state write stops the run like a Ctrl-C: nothing more that could not be recorded.
          signal: opts.signal ? AbortSignal.any([opts.signal, store.stopped]) : store.stopped,
          onOutcome: (o, done, total) => {
            progress.done = done;
            hooks.onOutcome?.(o, done, total);
          },
        });
      } catch (err) {
        await store.close().catch(() => undefined);
        throw err;
      }
      // Folds the journal into the state file before the lock is released (and before the Action commits it).
      await store.close();
      store.throwIfFailed();
      return { loaded, plan, outcomes, stats: api.stats };
    }, opts.signal, progress);
  } finally {
    await lock.release();
  }
}

/**
 * The saved plan's changes out of the fresh one, after the listing and before any write: a planned
 * training changed in Open.cx since, or a fresh plan without exactly those changes, is refused.
 */
function exactly(saved: SavedPlan, fresh: Plan, listed: RemoteTraining[], state: State): Plan {
  const keyOf = new Map([...state.trainings].map(([k, e]) => [e.id, k]));
  const moved = staleRemotely(saved.from, listed, (id) => keyOf.get(id));
  if (moved) throw staleError(saved, moved);
  const r = savedChanges(saved.from, fresh);
  if ('error' in r) throw staleError(saved, r.error);
  return withChanges(fresh, r.changes);
}

function staleError(saved: SavedPlan, why: string): UserError {
  return new UserError(
    `the saved plan ${saved.file} is stale: ${why}. Nothing was sent. Make and review a new plan: "${replanCommand(saved.from, saved.file)}", then "opencx-sync apply ${saved.file}"`,
  );
}

/**
 * The serial moves once per apply, with the first change it records (a write or a delete landed): an
 * apply whose every write failed leaves it, so a saved plan made against this state stays valid.
 */
function bumpSerialOnFirstChange(store: StateStore): void {
  const commit = store.commit.bind(store);
  let bumped = false;
  store.commit = (e: StateEvent) => {
    if (bumped || (e.type !== 'written' && e.type !== 'deleted')) return commit(e);
    bumped = true;
    // Same write as the event's when none is in flight; a failure is reported by the event's own commit.
    commit({ type: 'begin' }).catch(() => undefined);
    return commit(e);
  };
}

function checkDeleteGuards(plan: Plan, loaded: Loaded, opts: { maxDeletes: number }) {
  const refusal = deleteRefusal(plan, loaded.trainings.length, opts.maxDeletes);
  if (refusal) throw new UserError(refusal);
}

/** With no state, creating would duplicate whatever an earlier (lost) state file tracked. */
function refuseDuplicates(found: number, file: string, stateExisted: boolean): never {
  const why = stateExisted ? `state file ${file} tracks nothing` : `there is no state file ${file}`;
  throw new UserError(
    `${why}, but Open.cx already holds ${plural(found, 'training')} made by opencx-sync: run "opencx-sync state rebuild" to recover the state instead of creating duplicates`,
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
      throw new UserError(`state file ${file} already tracks ${plural(existing.trainings.size, 'training')}: pass --force to replace it`);
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
      for (const [key, listedOrder] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
        // The oldest is the original; the API lists newest first, so sort rather than take the first.
        const rs = [...listedOrder].sort(byCreation);
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
