// scan -> parse -> validate -> plan -> apply -> state. One engine for the CLI and the Action alike.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { StateSink } from './apply.js';
import type { Outcome } from './core/outcome.js';
import type { Config } from './config.js';
import { type Issue, sortIssues } from './core/issue.js';
import type { WaitNotice } from './core/wait.js';
import { namesById } from './core/names.js';
import { asSkipped, parseTrainingFile, parseTrainingFileQuickly, type NameMaps, type FullYaml, type ParseResult, type SourceFile } from './core/parse.js';
import { idsNamed, uniqueNamesById, type SegmentLookup } from './core/segments.js';
import { deleteRefusal, verdictOf, type OnDrift, type Verdict } from './core/guards.js';
import { planChanges, withChanges, type Plan } from './core/plan.js';
import { madeFrom, optionsOf, replanCommand, savedChanges, staleLocally, staleRemotely, type MadeFrom } from './core/saved-plan.js';
import { emptyState, type State, type StateEvent } from './core/state.js';
import { byCreation, fieldsOfRemote, isProbe, keyOfRemote, type RemoteTraining } from './core/training.js';
import { inNamespace, namespaceName, otherNamespaceOf, tagOf } from './core/namespace.js';
import { hashFields } from './core/hash.js';
import { validateTrainingSet, type ValidatedSet } from './core/validate.js';
import { planImport, unmappedDirectories, type ImportPlan } from './core/import.js';
import { writeFileDurably } from './io/durable-write.js';
import { lstat, mkdir, readFile, stat } from 'node:fs/promises';
import { linkTargets } from './core/rules/index.js';
import { redact, UserError } from './errors.js';
// The HTTP client (undici), the remote and apply are loaded when a command goes online: an offline plan
// or validate never pays for them (undici alone costs ~70 ms of start-up).
import type { ApiClient, ApiOptions, ApiStats, WaitReason } from './io/api.js';
import { fetchSegmentDirectory, SegmentListMissingError, SegmentsForbiddenError } from './io/segments.js';
import { acquireLock } from './io/lock.js';
import type { Remote } from './io/remote.js';
import { existingPaths } from './io/paths.js';
import { ignoredAmong, readSourceFiles, type ScanResult } from './io/scan.js';
import { discardJournal, readCurrentState, recoverState, removeStaleTempFiles, StateStore, writeStateFile } from './io/state-file.js';
import { VERSION } from './version.js';
import { plural } from './core/plural.js';

export { VERSION } from './version.js';

export interface Loaded extends ValidatedSet {
  files: number;
  /** Every Markdown path in the trainings folder (ignored ones too), relative to it. */
  paths: string[];
  /** Segment names left for Open.cx's segment list (loaded with segments 'deferred'), each once. */
  lookups: string[];
  /** The names files gave segments that Open.cx's list resolved, to their ids: for showing plans by name. */
  segmentIds?: ReadonlyMap<string, string>;
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

/**
 * Reads and checks every file. `overrides` replaces file text by display path (staged content).
 * `segments`: how segment names outside the config resolve; by default left for a key to look up.
 */
export async function loadTrainings(config: Config, overrides?: Map<string, string>, segments: SegmentLookup = 'deferred'): Promise<Loaded> {
  return parseSources(config, await scanFolder(config), overrides, segments);
}

const scanFolder = (config: Config) => readSourceFiles({ cwd: config.cwd, dir: config.dir, ignore: config.ignore });

/**
 * Parses and checks files already read: a second reading with Open.cx's segment list reads no file again.
 * The YAML parsers are loaded only when a file needs them, and then read just those files.
 */
async function parseSources(config: Config, scan: ScanResult, overrides: Map<string, string> | undefined, segments: SegmentLookup): Promise<Loaded> {
  const { files: sources, issues: scanIssues, unread } = scan;
  const names = { ...config.names, remoteSegments: segments };
  const fileOf = (s: SourceFile): SourceFile => {
    const text = overrides?.get(s.displayPath);
    return text === undefined ? s : { ...s, text };
  };
  const quick = sources.map((s) => parseTrainingFileQuickly(fileOf(s), names));
  const yaml = quick.includes(undefined) ? (await import('./core/front-matter-yaml.js')).FULL_YAML : undefined;
  const results = sources.map((s, i) => {
    const result = quick[i] ?? parseTrainingFile(fileOf(s), names, yaml as FullYaml);
    return { displayPath: s.displayPath, result: s.ignored ? asSkipped(result, s.path) : result };
  });
  const set = validateParsed(config, results, typeof segments === 'object' ? uniqueNamesById(segments) : undefined);
  const lookups = [...new Set(results.flatMap(({ result }) => (result.kind === 'training' ? (result.lookups ?? []) : [])))];
  return {
    ...set,
    issues: sortIssues([...scanIssues, ...set.issues]),
    files: sources.filter((s) => !s.ignored).length + unread,
    paths: sources.map((s) => s.path),
    lookups,
  };
}

/**
 * The checks across files (one key per training, the content checks) over files already parsed.
 * `fromApi`: segment names Open.cx's list resolved, by id, for messages (the config's names win).
 */
function validateParsed(config: Config, results: { displayPath: string; result: ParseResult }[], fromApi = new Map<string, string>()): ValidatedSet {
  // relative-link needs to know which linked paths exist; the core reads nothing, so look them up here.
  const linked = config.rules?.get('relative-link')?.severity === 'off' ? [] : linkTargets(results.flatMap(({ displayPath, result }) => (result.kind === 'training' ? [{ displayPath, training: result.training }] : [])));
  const segmentNames = new Map([...fromApi, ...namesById(config.names.segments)]);
  return validateTrainingSet(results, { rules: config.rules, context: { existingPaths: existingPaths(config.cwd, linked), segmentNames } });
}

/**
 * For a run with a key: the files, with segment names outside the config looked up in Open.cx's
 * segment list. The list is read only when a file names such a segment, so a key without
 * `segments:read` works for files that use ids or config names.
 */
async function loadOnline(config: Config, hooks: Hooks, signal?: AbortSignal): Promise<Loaded> {
  const scan = await scanFolder(config);
  const first = await parseSources(config, scan, undefined, 'deferred');
  if (hasErrors(first.issues) || first.lookups.length === 0) return first;
  const directory = await withConnection(config, hooks, ({ api }) => fetchSegmentDirectory(api), signal);
  hooks.log?.(`segments: ${plural(directory.size, 'segment')} listed in Open.cx, to resolve ${plural(first.lookups.length, 'name')}`);
  const loaded = await parseSources(config, scan, undefined, directory);
  const ids = first.lookups.flatMap((name): [string, string][] => {
    const found = idsNamed(directory, name);
    return found?.length === 1 && found[0] !== undefined ? [[name, found[0]]] : [];
  });
  return { ...loaded, segmentIds: new Map(ids) };
}

export const hasErrors = (issues: Issue[]) => issues.some((i) => i.severity === 'error');

/** Names to show ids by: the config's, and the segment names files used that Open.cx's list resolved. */
export function shownNames(config: Config, loaded: Loaded): NameMaps {
  return { ...config.names, segments: new Map([...(loaded.segmentIds ?? []), ...config.names.segments]) };
}

function statePath(config: Config) {
  return path.resolve(config.cwd, config.statePath);
}

/** The state file with any journal a killed run left replayed in memory: writes nothing. */
async function readState(config: Config): Promise<State | undefined> {
  const state = await readCurrentState(statePath(config));
  return state && ownState(config, state);
}

/** The state under the configured namespace; a state that tracks another namespace's trainings is refused. */
function ownState(config: Config, state: State): State {
  const r = inNamespace(state, config.namespace);
  if ('error' in r) throw new UserError(`state file ${statePath(config)} ${r.error}`);
  return r.state;
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
  const api = await apiClientFor(config, hooks, { ...(signal ? { signal } : {}), progress });
  const { OpencxRemote } = await import('./io/remote.js');
  return { api, remote: new OpencxRemote(api, { namespace: config.namespace, secret: config.apiKey, ...(hooks.warn ? { warn: hooks.warn } : {}) }) };
}

/** The one way a command gets an HTTP client: the config's URL, key, pacing, timeouts and retries. */
export async function apiClientFor(
  config: Config,
  hooks: Hooks,
  o: { signal?: AbortSignal; progress?: Progress; onAnswer?: ApiOptions['onAnswer'] } = {},
): Promise<ApiClient> {
  if (!config.apiKey) {
    throw new UserError('OPENCX_API_KEY is not set: create a key with training:read and training:write in Open.cx (Settings > Access) and export it');
  }
  const { signal, progress = { done: 0, total: undefined } } = o;
  const { ApiClient } = await import('./io/api.js');
  return new ApiClient({
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
    ...(o.onAnswer ? { onAnswer: o.onAnswer } : {}),
  });
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
  onDrift?: OnDrift;
  maxDeletes?: number;
  /** Also return what the plan was made from, for a saved plan (`plan --out`). */
  save?: boolean;
  /** Adopt trainings made outside the tool instead of creating look-alikes (default true; --no-adopt). */
  adopt?: boolean;
}

export interface PlanRunResult extends PlanResult {
  /** What apply, run with the same options, would refuse or skip (empty without a plan). */
  verdict: Verdict;
  /** With `save`: what the plan was made from, to check it is still current at apply. */
  saved?: MadeFrom;
}

/** Offline unless `refresh`: reads the files and the state file, sends nothing. */
export async function runPlan(config: Config, opts: PlanOptions, hooks: Hooks = {}): Promise<PlanRunResult> {
  // Offline, a segment name the config does not map cannot be resolved: an error, not a guess.
  const loaded = opts.refresh ? await loadOnline(config, hooks) : await loadTrainings(config, undefined, 'offline');
  if (hasErrors(loaded.issues)) return { loaded, plan: undefined, verdict: { refusals: [], skips: [] } };
  const existing = await readState(config);
  const state = existing ?? emptyState('none', config.namespace);
  const adopt = opts.adopt ?? true;
  const options = { prune: opts.prune, refresh: opts.refresh, onDrift: opts.onDrift ?? 'fail', maxDeletes: opts.maxDeletes ?? 10, adopt };
  const offline = againstState(planChanges({ ...loaded, state, prune: opts.prune, adopt }), existing);
  const finish = (plan: Plan, remote?: RemoteTraining[]): PlanRunResult => ({
    loaded,
    plan,
    verdict: verdictOf(plan, { trainings: loaded.trainings.length, ...options }),
    ...(opts.save ? { saved: madeFrom({ plan, offline, trainings: loaded.trainings, dir: config.dir, namespace: config.namespace, options, ...(remote ? { remote } : {}) }) } : {}),
  });
  if (!opts.refresh) return finish(refuseConflicts(offline));
  return withConnection(config, hooks, async ({ remote, api }) => {
    let others: RemoteTraining[] = [];
    const listed = await readRemote(remote, state, config.namespace, adopt && hasFresh(loaded, state), hooks.warn, (o) => (others = o));
    const plan = refuseConflicts(againstState(planChanges({ ...loaded, state, prune: opts.prune, remote: listed, others, adopt }), existing));
    const result = finish(plan, listed);
    // What apply refuses before planning (a lost state file), the plan reports as a refusal in apply's words.
    const lost = lostStateMessage(listed, state, existing !== undefined, config);
    if (lost) result.verdict.refusals.unshift(lost);
    return { ...result, stats: api.stats };
  });
}

/** A file the state does not track: a create, or an adoption of a training made outside the tool. */
const hasFresh = (loaded: Loaded, state: State) => loaded.trainings.some((t) => !state.trainings.has(t.key));

/** Adoptions that cannot be decided stop the run before anything is sent, all of them at once. */
function refuseConflicts(plan: Plan): Plan {
  if (plan.conflicts.length === 0) return plan;
  throw new UserError(`cannot decide what to adopt; nothing was sent:\n${plan.conflicts.map((c) => `  ${c}`).join('\n')}`);
}

/** A plan made with no state file names no lineage (the one in memory is made up for the run). */
const againstState = (plan: Plan, existing: State | undefined): Plan => (existing ? plan : { ...plan, lineage: null });

/**
 * The managed trainings, plus each tracked one the listing misses but its id still finds: a training
 * whose tag was removed in the dashboard is not deleted, and must never be created again.
 */
/** `others`: given the trainings of other namespaces the listing held (import names them as left alone). */
async function readRemote(
  remote: Remote,
  state: State,
  namespace: string,
  all = false,
  warn?: (line: string) => void,
  others?: (r: RemoteTraining[]) => void,
): Promise<RemoteTraining[]> {
  // Every training when adoption looks for trainings made in the dashboard; else only this namespace's
  // (the tag is one exact value per namespace, so the API's filter returns them alone). A doctor probe
  // carries the default tag too, and is no training of ours (nor a sign of a lost state file).
  const read = (await remote.list(all ? {} : { managed_by: tagOf(namespace) })).filter((r) => !isProbe(r));
  // Another namespace's trainings are that repository's: never listed as this one's, tracked or not.
  const listed = read.filter((r) => otherNamespaceOf(r.metadata, namespace) === undefined);
  others?.(read.filter((r) => otherNamespaceOf(r.metadata, namespace) !== undefined));
  const ids = new Set(read.map((r) => r.id));
  const missing = [...new Set([...state.trainings.values()].map((e) => e.id))].filter((id) => !ids.has(id));
  const found = await Promise.all(missing.map((id) => remote.get(id)));
  // Retagged for another namespace: that repository's now, never taken back from here (it reads as gone).
  // Said, since "deleted in Open.cx" alone would send the user looking for a deletion that never happened.
  const keyOfId = new Map([...state.trainings].map(([key, e]) => [e.id, key]));
  for (const r of [...read, ...found]) {
    const other = r && keyOfId.has(r.id) ? otherNamespaceOf(r.metadata, namespace) : undefined;
    if (r && other !== undefined) {
      warn?.(`${keyOfId.get(r.id) ?? r.id}: the training (${r.id}) is now tagged for ${namespaceName(other)}, so it is that repository's: here it counts as deleted in Open.cx`);
    }
  }
  return [...listed, ...found.filter((r): r is RemoteTraining => r !== undefined && otherNamespaceOf(r.metadata, namespace) === undefined)];
}

export interface ApplyResult extends PlanResult {
  outcomes: Outcome[];
  /** The confirmation was answered no: nothing was sent. */
  cancelled?: boolean;
}

export interface ApplyHooks extends Hooks {
  /** Asked once the plan is final, before any write; false cancels the apply. Not asked for a saved plan. */
  confirm?: (plan: Plan, loaded: Loaded) => Promise<boolean>;
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
  /** Adopt trainings made outside the tool instead of creating look-alikes (default true; --no-adopt). */
  adopt?: boolean;
}

/**
 * Validates everything first and sends nothing unless every file is valid and every guard passes.
 * With `refresh` (the default) it lists the managed trainings first, so edits made in Open.cx since the
 * last apply are found for every training, not only for those the files change.
 */
export async function runApply(config: Config, given: ApplyOptions, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const saved = given.saved;
  const opts: ApplyOptions = saved ? { ...given, ...optionsOf(saved.from) } : given;
  const adopt = opts.adopt ?? true;
  const loaded = await loadOnline(config, hooks, opts.signal);
  if (hasErrors(loaded.issues)) return { loaded, plan: undefined, outcomes: [] };
  const file = statePath(config);
  const lock = await acquireLock(file, { waitMs: opts.lockWaitMs, command: 'opencx-sync apply', ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    await removeStaleTempFiles(file);
    // A journal a killed run left is folded in before anything is planned from the state.
    const recovered = await recoverState(file);
    const base = recovered.base;
    const existing = recovered.state && ownState(config, recovered.state);
    const state = existing ?? emptyState(randomUUID(), config.namespace);
    const offline = refuseConflicts(planChanges({ ...loaded, state, prune: opts.prune, adopt }));
    if (saved) {
      const now = { lineage: existing?.lineage ?? null, serial: state.serial, dir: config.dir, namespace: config.namespace, trainings: loaded.trainings, offline };
      const why = staleLocally(saved.from, now);
      if (why) throw staleError(saved, why);
    }
    checkDeleteGuards(offline, loaded, opts);
    if (!opts.refresh && offline.changes.length === 0 && existing) return { loaded, plan: offline, outcomes: [] };
    const progress: Progress = { done: 0, total: undefined };
    return await withConnection(config, hooks, async ({ remote, api }) => {
      const untouched = state.trainings.size === 0 && state.pending.size === 0;
      // A create may be an adoption: Open.cx is read whenever one is planned, --no-refresh or not.
      const all = adopt && hasFresh(loaded, state);
      const refreshed = opts.refresh || all;
      let others: RemoteTraining[] = [];
      const listed = refreshed || untouched ? await readRemote(remote, state, config.namespace, all, hooks.warn, (o) => (others = o)) : [];
      const lost = untouched ? lostStateMessage(listed, state, existing !== undefined, config) : undefined;
      if (lost) throw new UserError(lost);
      let plan = refreshed ? refuseConflicts(planChanges({ ...loaded, state, prune: opts.prune, remote: listed, others, adopt })) : offline;
      if (saved) plan = exactly(saved, plan, listed, state);
      checkDeleteGuards(plan, loaded, opts);
      if (plan.changes.length === 0) return { loaded, plan, outcomes: [], stats: api.stats };
      if (!saved && hooks.confirm && !(await hooks.confirm(plan, loaded))) return { loaded, plan, outcomes: [], cancelled: true, stats: api.stats };
      const store = new StateStore(file, state, undefined, { base });
      let outcomes: Outcome[];
      try {
        progress.total = plan.changes.length;
        const { applyPlan } = await import('./apply.js');
        outcomes = await applyPlan(plan.changes, remote, serialOnFirstChange(store), {
          onDrift: opts.onDrift,
          concurrency: config.concurrency,
          createAttempts: config.attempts,
          refreshed,
          listed: new Map(listed.map((r) => [r.id, r])),
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
  if ('error' in r) throw staleError(saved, r.error, r.refresh);
  return withChanges(fresh, r.changes);
}

// `refresh`: the new plan must read Open.cx (an offline plan that would now adopt), whatever the old one did.
function staleError(saved: SavedPlan, why: string, refresh = false): UserError {
  const from = refresh ? { ...saved.from, options: { ...saved.from.options, refresh: true } } : saved.from;
  return new UserError(
    `the saved plan ${saved.file} is stale: ${why}. Nothing was sent. Make and review a new plan: "${replanCommand(from, saved.file)}", then "opencx-sync apply ${saved.file}"`,
  );
}

/**
 * The serial moves once per apply, with the first change it records (a write or a delete landed): an
 * apply whose every write failed leaves it, so a saved plan made against this state stays valid.
 */
function serialOnFirstChange(store: StateSink): StateSink {
  let bumped = false;
  return {
    state: store.state,
    commit: (e: StateEvent) => {
      if (bumped || (e.type !== 'written' && e.type !== 'deleted')) return store.commit(e);
      bumped = true;
      // Same write as the event's when none is in flight; a failure is reported by the event's own commit.
      store.commit({ type: 'begin' }).catch(() => undefined);
      return store.commit(e);
    },
  };
}

function checkDeleteGuards(plan: Plan, loaded: Loaded, opts: { maxDeletes: number }) {
  const refusal = deleteRefusal(plan, loaded.trainings.length, opts.maxDeletes);
  if (refusal) throw new UserError(refusal);
}

/**
 * A state that tracks nothing while Open.cx holds this namespace's trainings: the state file was lost,
 * and applying would duplicate them. Apply stops with these words; plan --refresh reports them as a refusal.
 */
function lostStateMessage(listed: RemoteTraining[], state: State, stateExisted: boolean, config: Config): string | undefined {
  if (state.trainings.size > 0 || state.pending.size > 0) return undefined;
  // Only what "state rebuild" recovers (this namespace's tag with a key): a tag whose key was removed by
  // hand is tracked by nothing a rebuild could write, and would make this refusal repeat forever.
  const ours = listed.filter((r) => keyOfRemote(r, config.namespace) !== undefined).length;
  if (ours === 0) return undefined;
  const file = statePath(config);
  const why = stateExisted ? `state file ${file} tracks nothing` : `there is no state file ${file}`;
  const whose = config.namespace === '' ? 'made by opencx-sync' : `made by opencx-sync in ${namespaceName(config.namespace)}`;
  return `${why}, but Open.cx already holds ${plural(ours, 'training')} ${whose}: run "opencx-sync state rebuild" to recover the state instead of creating duplicates`;
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
    // Any existing state, of whatever namespace: the rebuilt one replaces it under the configured namespace.
    const existing = await readCurrentState(file).catch(() => undefined);
    if (existing && existing.trainings.size > 0 && !opts.force) {
      const tracked = plural(existing.trainings.size, 'training');
      // Replacing it also moves the repository to the configured namespace: say so, it may be a typo.
      if (existing.namespace !== config.namespace) {
        throw new UserError(
          `state file ${file} tracks ${tracked} of ${namespaceName(existing.namespace)}, but ${namespaceName(config.namespace)} is configured: pass --force to replace it with the trainings of ${namespaceName(config.namespace)}, or set the namespace back`,
        );
      }
      throw new UserError(`state file ${file} already tracks ${tracked}: pass --force to replace it`);
    }
    const loaded = await loadTrainings(config).catch(() => undefined);
    const fileOf = new Map((loaded?.trainings ?? []).map((t) => [t.key, t]));
    return await withConnection(config, hooks, async ({ remote, api }) => {
      const listed = await remote.list({ managed_by: tagOf(config.namespace) });
      const byKey = new Map<string, RemoteTraining[]>();
      for (const r of listed) {
        const k = keyOfRemote(r, config.namespace);
        if (k !== undefined) byKey.set(k, [...(byKey.get(k) ?? []), r]);
      }
      let state = emptyState(existing?.lineage ?? randomUUID(), config.namespace);
      state = { ...state, serial: (existing?.serial ?? 0) + 1 };
      const duplicates: RebuildResult['duplicates'] = [];
      for (const [key, listedOrder] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
        // The oldest is the original; the API lists newest first, so sort rather than take the first.
        const rs = [...listedOrder].sort(byCreation);
        const [first, ...rest] = rs;
        if (!first) continue;
        if (rest.length) duplicates.push({ key, ids: rs.map((r) => r.id) });
        // The window as far as the file owns it, as an apply records it: without it, a file with
        // `active:` planned an update offline forever, and a dashboard edit of the window was no drift.
        const file = fileOf.get(key);
        const fields = fieldsOfRemote(first, file?.fields);
        state.trainings.set(key, { id: first.id, path: file?.path ?? `${key}.md`, hash: hashFields(fields), applied: fields });
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

export interface ImportOptions {
  /** Say what would be written, write nothing. */
  dryRun: boolean;
  /** Write again the files that pin a training's id, from Open.cx. */
  force: boolean;
}

export interface ImportResult extends ImportPlan {
  /** Every training Open.cx holds. */
  total: number;
  stats: ApiStats;
}

/**
 * Writes one Markdown file per training in Open.cx that no file tracks yet. Reads every file first:
 * an invalid one stops the import (it may track a training), as does an adoption that cannot be decided.
 */
export async function runImport(config: Config, opts: ImportOptions, hooks: Hooks = {}): Promise<ImportResult> {
  // A repository taking over its organisation has no trainings folder yet: import is what fills it.
  if (!opts.dryRun) await mkdir(path.resolve(config.cwd, config.dir), { recursive: true });
  // A dry run makes nothing, not even the folder: a folder not there yet holds no files to read.
  const absent = opts.dryRun && !(await stat(path.resolve(config.cwd, config.dir)).catch(() => undefined))?.isDirectory();
  const loaded: Loaded = absent ? { ...validateParsed(config, []), files: 0, paths: [], lookups: [] } : await loadOnline(config, hooks);
  const errors = loaded.issues.filter((i) => i.severity === 'error');
  if (errors.length) {
    const files = new Set(errors.map((i) => i.file));
    throw new UserError(`${plural(files.size, 'training file')} ${files.size === 1 ? 'has' : 'have'} errors ("opencx-sync validate" shows them): fix them first, since import must know which trainings the files already track. Nothing was written`);
  }
  const state = (await readState(config)) ?? emptyState('none', config.namespace);
  return withConnection(config, hooks, async ({ remote, api }) => {
    let others: RemoteTraining[] = [];
    const listed = await readRemote(remote, state, config.namespace, true, hooks.warn, (o) => (others = o));
    const plan = refuseConflicts(planChanges({ ...loaded, state, prune: false, remote: listed, others, adopt: true }));
    const shown = (p: string) => path.posix.join(config.dir, p);
    const tracked = new Map<string, string>();
    for (const e of state.trainings.values()) tracked.set(e.id, shown(e.path));
    for (const c of plan.changes) {
      const id = c.action === 'create' ? c.adopt : c.id;
      if (id) tracked.set(id, shown(c.path));
    }
    for (const t of loaded.trainings) if (t.id !== undefined) tracked.set(t.id, shown(t.path));
    for (const t of loaded.skipped) if (t.id !== undefined) tracked.set(t.id, `${shown(t.path)} (sync: false)`);
    const keys = [...loaded.trainings.map((t) => t.key), ...loaded.skipped.map((s) => s.key), ...state.trainings.keys(), ...state.pending.keys()];
    const names = { ...config.names, segments: await segmentNamesFor(listed, config, api, hooks) };
    const { FULL_YAML: yaml } = await import('./core/front-matter-yaml.js');
    const planned = planImport({ yaml, remote: [...listed, ...others], names, trainings: loaded.trainings, paths: loaded.paths, keys, tracked, force: opts.force, namespace: config.namespace });
    // A file the scan would ignore is never read: each import would write another copy of it.
    const hidden = await ignoredAmong(planned.files.map((f) => f.path), config.ignore);
    // The file would be committed: a training holding the key (pasted in the dashboard, or a server
    // echoing it) is named, without the key, rather than written.
    const leaks = new Set(planned.files.filter((f) => holdsKey(f.text, config.apiKey)).map((f) => f.path));
    const result: ImportPlan = {
      files: planned.files.filter((f) => !hidden.has(f.path) && !leaks.has(f.path)),
      left: [
        ...planned.left,
        ...planned.files.filter((f) => hidden.has(f.path)).map((f) => ({ id: f.id, title: redact(f.title, config.apiKey), why: `its file ${shown(f.path)} would match "ignore" in the config, so it would never be read: not written (write it elsewhere by hand, with "id: ${f.id}")` })),
        ...planned.files.filter((f) => leaks.has(f.path) && !hidden.has(f.path)).map((f) => ({ id: f.id, title: redact(f.title, config.apiKey), why: 'it holds the API key (in its title, content or a name): not written, since the file would be committed. Remove the key from that training in Open.cx, rotate the key, and run import again' })),
      ],
    };
    // Before writing, dry run or not: files the next command would refuse are never written.
    const unmapped = unmappedDirectories(result.files, [...listed, ...others], config.names.directories);
    if (unmapped) throw new UserError(unmapped);
    // Said whatever the verbosity: the team must remove the key in Open.cx and rotate it.
    for (const l of result.left) if (leaks.size && l.why.startsWith('it holds the API key')) hooks.warn?.(`training ${l.id} (${l.title}): ${l.why}`);
    if (!opts.dryRun) await writeImported(path.resolve(config.cwd, config.dir), config.dir, result);
    return { ...result, total: listed.length + others.length, stats: api.stats };
  });
}

/** The whole key in any letter case: a piece of it is too likely to be ordinary text to hold a training back. */
const holdsKey = (text: string, key: string | undefined) => key !== undefined && key !== '' && text.toLowerCase().includes(key.toLowerCase());

/**
 * A symlink on the way to a file (a linked folder, a dangling link) would put the file outside the
 * trainings folder, or hide it from every later scan: all such paths are named before anything is written.
 */
async function refuseLinks(root: string, dir: string, plan: ImportPlan): Promise<void> {
  const links = new Set<string>();
  for (const f of plan.files) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      const st = await lstat(path.join(root, ...parts.slice(0, i))).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
      if (!st) break;
      if (st.isSymbolicLink()) {
        links.add(path.posix.join(dir, rel));
        break;
      }
    }
  }
  if (links.size) {
    throw new UserError(
      `import would write through ${plural(links.size, 'symlink')} in the trainings folder, which could put files outside it: ${[...links].join(', ')}. Move or remove ${links.size === 1 ? 'it' : 'them'} and run import again. Nothing was written`,
    );
  }
}

/**
 * Segment names for imported files: the config's, then each name that exactly one segment carries in
 * Open.cx's list (read only when a training holds a segment the config does not name). A key without
 * segments:read still imports, with ids.
 */
async function segmentNamesFor(listed: RemoteTraining[], config: Config, api: ApiClient, hooks: Hooks): Promise<Map<string, string>> {
  const mapped = new Set(config.names.segments.values());
  if (!listed.some((r) => r.restricted_to_segments.some((id) => !mapped.has(id)))) return new Map(config.names.segments);
  let directory;
  try {
    directory = await fetchSegmentDirectory(api);
  } catch (err) {
    if (err instanceof SegmentListMissingError) {
      hooks.warn?.('this Open.cx has no segment list (404 on GET /contacts/segments): segments not named in the config are written as ids');
      return new Map(config.names.segments);
    }
    if (!(err instanceof SegmentsForbiddenError)) throw err;
    hooks.warn?.('the key may not read segments (segments:read): segments not named in the config are written as ids');
    return new Map(config.names.segments);
  }
  const fromApi = [...uniqueNamesById(directory)].map(([id, name]): [string, string] => [name, id]);
  // The config's names come last, so they win where both name one segment.
  return new Map([...fromApi.filter(([name]) => !config.names.segments.has(name)), ...config.names.segments]);
}

async function writeImported(root: string, dir: string, plan: ImportPlan): Promise<void> {
  await refuseLinks(root, dir, plan);
  for (const f of plan.files) {
    const file = path.join(root, ...f.path.split('/'));
    // Chosen free when planned; a file that appeared since is never written over.
    const there = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (there !== undefined && !f.overwrite) throw new UserError(`${file} appeared while importing: nothing more was written; run import again`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileDurably(file, f.text);
    // The write is checked, not assumed.
    if ((await readFile(file, 'utf8')) !== f.text) throw new UserError(`${file} does not hold what was written: check the disk, then run import again`);
  }
}
