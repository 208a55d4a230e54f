// The model-based test's world: a workspace, a sandbox, and a model of what the files say and what
// people did in the dashboard. `run` executes one command and checks every invariant it can.
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Outcome } from '../../src/core/outcome.js';
import { resolveConfig, type Config } from '../../src/config.js';
import { CHANNELS, fieldsOfRemote, type RemoteTraining, type TrainingFields } from '../../src/core/training.js';
import { tagOf } from '../../src/core/namespace.js';
import { loadTrainings, runApply, runPlan, runStateRebuild } from '../../src/engine.js';
import { readCurrentState, readStateFile } from '../../src/io/state-file.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import type { TrainingRecord } from '../../src/sandbox/model.js';
import { workspace, type Workspace } from '../helpers.js';
import { BODIES, CHANNEL_SETS, NAMES, PINS, PROTO_NAMES, PROTO_PINS, TITLES, showOp, type Gen, type Op } from './ops.js';

const KEY = 'model-key-8c1d0e55';
const STATE = 'opencx-sync.state.json';
const TYPES = ['SCENARIO_SPECIFIC', 'BEHAVIORAL'] as const;

interface FileModel {
  title: string;
  body: string;
  type: 0 | 1;
  draft: boolean;
  channels: readonly string[];
  key: string | null;
}

export class Violation extends Error {
  override name = 'Violation';
}

/** A pid that surely belongs to no running process: a child that has exited. */
const DEAD_PID = spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;

export class World {
  readonly files = new Map<string, FileModel>();
  /** Trainings not made by the tool, as first stored: they must never change. */
  readonly foreign = new Map<string, TrainingRecord>();
  /** Copies made "in the dashboard" that carry a managed key; the tool may leave them. */
  readonly twins = new Set<string>();
  /** Hand edits the tool must not overwrite unless a run is told --on-drift overwrite. */
  readonly protectedEdits = new Map<string, TrainingFields>();
  /** Any dashboard change since the last converged overwrite: until then drift may be real. */
  dirty = false;
  /** The training each file had at the last converged apply; a rename carries it to the new name. */
  readonly identity = new Map<string, { id: string; title: string; body: string }>();
  readonly log: string[] = [];
  stats = { applies: 0, converged: 0, kills: 0, faulted: 0 };
  private kill: { at: number; served: boolean; base: number; snap?: Map<string, Buffer> } | undefined;

  private constructor(
    readonly ws: Workspace,
    readonly sandbox: Sandbox,
    private readonly sbOpts: SandboxOptions,
    readonly gens: Set<Gen>,
    /** The repository's namespace ('' = the default); another namespace's training sits next to it. */
    readonly namespace: string,
  ) {}

  /** The tag of this repository's trainings. */
  get tag(): string {
    return tagOf(this.namespace);
  }

  static async create(gens: Set<Gen>, namespace = ''): Promise<World> {
    const sbOpts: SandboxOptions = { port: 0, apiKey: KEY, rateLimit: 0, rateWindowMs: 300 };
    const ws = workspace();
    const sandbox = await startSandbox(sbOpts);
    const w = new World(ws, sandbox, sbOpts, gens, namespace);
    sbOpts.onRequest = (_r, count) => w.onRequest(count);
    w.seedForeign();
    return w;
  }

  async close() {
    await this.sandbox.close();
    this.ws.cleanup();
  }

  private seedForeign() {
    const base = { draft_title: null, draft_content: null, is_draft: false, directory_id: null, restricted_to_segments: [], current_version: 1, published_at: null, start_time: null, end_time: null, created_at: '2020-01-01T00:00:00.000Z', updated_at: '2020-01-01T00:00:00.000Z' };
    const records: TrainingRecord[] = [
      { ...base, id: 'foreign-1', seq: -3, title: 'Reset password', content: 'Written by hand.', type: 'SCENARIO_SPECIFIC', restricted_to_channels: ['web'], metadata: {} },
      { ...base, id: 'foreign-2', seq: -2, title: 'Refund policy', content: 'From Zendesk.', type: 'BEHAVIORAL', restricted_to_channels: [], metadata: { source: 'zendesk', key: 'a' } },
      // Another tool's tag with a key the files also use: not ours.
      { ...base, id: 'foreign-3', seq: -1, title: 'Shipping times', content: 'Other tool.', type: 'SCENARIO_SPECIFIC', restricted_to_channels: [], metadata: { managed_by: 'other-sync', key: 'b' } },
      // Another repository's namespace, with a key the files also use: never listed, adopted, rebuilt or pruned here.
      { ...base, id: 'foreign-4', seq: -4, title: 'Neighbour', content: 'Other namespace.', type: 'SCENARIO_SPECIFIC', restricted_to_channels: [], metadata: { managed_by: tagOf(this.namespace ? '' : 'neighbour'), key: 'a' } },
    ];
    for (const r of records) {
      this.sandbox.state.trainings.set(r.id, r);
      this.foreign.set(r.id, structuredClone(r));
    }
  }

  config(concurrency: number): Config {
    return resolveConfig({
      cwd: this.ws.dir,
      // The model gives files the same trigger phrase on purpose (renames are paired by it); the content
      // check that refuses that for one audience is not what this test is about.
      file: { path: 'opencx-sync.config.json', text: JSON.stringify({ rules: { 'duplicate-trigger': 'off' }, ...(this.namespace ? { namespace: this.namespace } : {}) }) },
      env: { OPENCX_API_URL: this.sandbox.url, OPENCX_API_KEY: KEY },
      flags: { rateLimit: 0, concurrency, timeout: 3000, retries: 2, retryDelay: 0 },
    });
  }

  private nameOf(i: number): string {
    const all = [...NAMES, ...(this.gens.has('protoKey') ? PROTO_NAMES : [])];
    return all[i % all.length] as string;
  }
  private pinOf(i: number): string {
    const all = [...PINS, ...(this.gens.has('protoKey') ? PROTO_PINS : [])];
    return all[i % all.length] as string;
  }
  private keyOf(name: string, f: FileModel) {
    return f.key ?? name;
  }
  /** Keys must stay unique (a clash is a validation error, not what this test is about). */
  private keyFree(key: string, except: string): boolean {
    return ![...this.files].some(([n, f]) => n !== except && this.keyOf(n, f) === key);
  }

  private writeFile(name: string) {
    const f = this.files.get(name) as FileModel;
    const fm = [`title: ${JSON.stringify(f.title)}`, `type: ${TYPES[f.type]}`, `draft: ${f.draft}`, `channels: ${JSON.stringify(f.channels)}`];
    if (f.key !== null) fm.push(`key: ${JSON.stringify(f.key)}`);
    this.ws.write(`trainings/${name}.md`, `---\n${fm.join('\n')}\n---\n${f.body}\n`);
  }

  /** Sandbox trainings the dashboard ops may pick: everything but the foreign ones, oldest first. */
  private targets(): TrainingRecord[] {
    return [...this.sandbox.state.trainings.values()].filter((r) => !this.foreign.has(r.id)).sort((a, b) => a.seq - b.seq);
  }
  private pick(i: number): TrainingRecord | undefined {
    const t = this.targets();
    return t.length ? t[i % t.length] : undefined;
  }
  /** What the state on disk says the tool last wrote, by training id. */
  private async applied(): Promise<Map<string, TrainingFields>> {
    const s = await readCurrentState(path.join(this.ws.dir, STATE)).catch(() => undefined);
    return new Map([...(s?.trainings.values() ?? [])].map((e) => [e.id, e.applied]));
  }
  private forget(id: string) {
    for (const [n, idn] of this.identity) if (idn.id === id) this.identity.delete(n);
  }
  private touch(r: TrainingRecord, patch: Partial<TrainingRecord>) {
    const next = { ...r, ...patch, updated_at: new Date().toISOString() };
    this.sandbox.state.trainings.set(r.id, next);
    this.dirty = true;
    return next;
  }

  async run(o: Op): Promise<void> {
    this.log.push(showOp(o));
    switch (o.op) {
      case 'write': {
        const name = this.nameOf(o.name);
        const old = this.files.get(name);
        const f: FileModel = { title: TITLES[o.title] as string, body: BODIES[o.body] as string, type: o.type, draft: o.draft, channels: CHANNEL_SETS[o.channels] as readonly string[], key: old?.key ?? null };
        if (!old && !this.keyFree(name, name)) return;
        this.files.set(name, f);
        this.writeFile(name);
        return;
      }
      case 'edit': {
        const name = this.nameOf(o.name);
        const f = this.files.get(name);
        if (!f) return;
        if (o.field === 'title') f.title = TITLES[o.value % TITLES.length] as string;
        if (o.field === 'body') f.body = BODIES[o.value % BODIES.length] as string;
        if (o.field === 'draft') f.draft = !f.draft;
        if (o.field === 'channels') f.channels = CHANNEL_SETS[o.value % CHANNEL_SETS.length] as readonly string[];
        this.writeFile(name);
        return;
      }
      case 'retype': {
        const name = this.nameOf(o.name);
        const f = this.files.get(name);
        if (!f) return;
        f.type = f.type === 0 ? 1 : 0;
        this.writeFile(name);
        return;
      }
      case 'rename': {
        const from = this.nameOf(o.name);
        const to = this.nameOf(o.to);
        const f = this.files.get(from);
        if (!f || this.files.has(to) || (f.key === null && !this.keyFree(to, from))) return;
        this.files.delete(from);
        const idn = this.identity.get(from);
        this.identity.delete(from);
        if (idn) this.identity.set(to, idn);
        if (o.retype) f.type = f.type === 0 ? 1 : 0;
        this.files.set(to, f);
        mkdirSync(path.dirname(path.join(this.ws.dir, 'trainings', to)), { recursive: true });
        renameSync(path.join(this.ws.dir, 'trainings', `${from}.md`), path.join(this.ws.dir, 'trainings', `${to}.md`));
        if (o.retype) this.writeFile(to);
        return;
      }
      case 'pin': {
        const name = this.nameOf(o.name);
        const f = this.files.get(name);
        if (!f) return;
        const key = o.pin === null ? null : this.pinOf(o.pin);
        if (!this.keyFree(key ?? name, name)) return;
        f.key = key;
        this.writeFile(name);
        return;
      }
      case 'remove': {
        const name = this.nameOf(o.name);
        if (!this.files.delete(name)) return;
        this.identity.delete(name);
        this.ws.remove(`trainings/${name}.md`);
        return;
      }
      case 'dashEdit': {
        const r = this.pick(o.target);
        if (!r) return;
        const applied = (await this.applied()).get(r.id);
        const patch: Partial<TrainingRecord> = {};
        const text = `Hand edit ${o.value}`;
        if (o.field === 'title') Object.assign(patch, r.draft_title === null ? { title: text } : { draft_title: text });
        if (o.field === 'content') Object.assign(patch, r.draft_content === null ? { content: text } : { draft_content: text });
        if (o.field === 'channels') patch.restricted_to_channels = [...(CHANNEL_SETS[(o.value + 1) % CHANNEL_SETS.length] as readonly string[])] as TrainingRecord['restricted_to_channels'];
        const next = this.touch(r, patch);
        const edited = fieldsOfRemote(next as unknown as RemoteTraining);
        // Only a tracked training edited away from what the tool last wrote is a hand edit to protect.
        if (applied && !isDeepStrictEqual(applied, edited)) this.protectedEdits.set(r.id, edited);
        else this.protectedEdits.delete(r.id);
        return;
      }
      case 'dashDelete': {
        const r = this.pick(o.target);
        if (!r) return;
        this.sandbox.state.trainings.delete(r.id);
        this.forget(r.id);
        this.protectedEdits.delete(r.id);
        this.dirty = true;
        return;
      }
      case 'dashDropMeta': {
        const r = this.pick(o.target);
        if (r) this.touch(r, { metadata: {} });
        if (r) this.forget(r.id);
        // Untagged and not in the state (a create a killed run never recorded): nothing links it to its
        // file any more, so the tool cannot find it again (adopting by trigger phrase is issue 9).
        const state = r ? await readCurrentState(path.join(this.ws.dir, STATE)).catch(() => undefined) : undefined;
        if (r && ![...(state?.trainings.values() ?? [])].some((e) => e.id === r.id)) this.twins.add(r.id);
        return;
      }
      case 'dashUnknown': {
        const r = this.pick(o.target);
        if (!r) return;
        if (o.what === 'channel') this.touch(r, { restricted_to_channels: [...r.restricted_to_channels, 'telegram' as never] });
        else this.touch(r, { type: 'FAQ' as never });
        this.protectedEdits.delete(r.id);
        this.forget(r.id);
        return;
      }
      case 'dashTwin': {
        const r = this.pick(o.target);
        if (!r || r.metadata.managed_by !== this.tag) return;
        const copy = { ...structuredClone(r), id: randomUUID(), seq: Math.max(...[...this.sandbox.state.trainings.values()].map((t) => t.seq)) + 1, created_at: new Date().toISOString() };
        this.sandbox.state.trainings.set(copy.id, copy);
        this.twins.add(copy.id);
        this.forget(r.id);
        this.dirty = true;
        return;
      }
      case 'loseState': {
        rmSync(path.join(this.ws.dir, STATE), { force: true });
        const r = await runStateRebuild(this.config(2), { force: true });
        // Copies the rebuild reports are told to the user to delete: from now on they count as twins.
        for (const d of r.duplicates) for (const id of d.ids) if (id !== r.state.trainings.get(d.key)?.id) this.twins.add(id);
        // A training whose tag was dropped in the dashboard is known only through the lost state: nothing
        // links it to a file any more, so it is left alone from now on (adopting it by trigger phrase is
        // issue 9). It may stay next to the training the next apply makes.
        for (const t of this.sandbox.state.trainings.values()) if (!this.foreign.has(t.id) && t.metadata.managed_by !== this.tag) this.twins.add(t.id);
        this.protectedEdits.clear();
        this.identity.clear();
        return;
      }
      case 'apply':
        return this.apply(o);
    }
  }

  private onRequest(count: number) {
    const k = this.kill;
    if (!k) return;
    const n = count - k.base;
    if (n === k.at) {
      k.snap = this.snapshot();
      this.stats.kills++;
      if (!k.served) this.sbOpts.failEvery = 1;
    } else if (n === k.at + 1 && k.served) this.sbOpts.failEvery = 1;
  }

  /**
   * What a SIGKILL at this instant leaves on disk: the files next to the state as they are now. The
   * state store finishes each durable write (temp file, fsync, rename) before the run sends the
   * request that depends on it, so anything written after this moment is what a killed process would
   * not have written. From here on every request is refused (503) before the sandbox acts, so the
   * "dead" run changes nothing remote either; whatever it writes locally is thrown away by `restore`.
   */
  private snapshot(): Map<string, Buffer> {
    const snap = new Map<string, Buffer>();
    for (const name of readdirSync(this.ws.dir)) {
      const p = path.join(this.ws.dir, name);
      if (name !== 'trainings' && statSync(p).isFile()) snap.set(name, readFileSync(p));
    }
    return snap;
  }

  private restore(snap: Map<string, Buffer>) {
    for (const name of readdirSync(this.ws.dir)) if (name !== 'trainings') rmSync(path.join(this.ws.dir, name), { force: true, recursive: true });
    for (const [name, data] of snap) {
      let text: Buffer | string = data;
      // The lock names its holder; the killed holder is this test process, so name a dead one instead.
      if (name.endsWith('.lock')) {
        try {
          text = JSON.stringify({ ...JSON.parse(data.toString('utf8')), pid: DEAD_PID }) + '\n';
        } catch {
          // half-written lock: keep it as it was
        }
      }
      // Temp files name their writer's pid too: a killed writer's pid is dead, not this process's.
      writeFileSync(path.join(this.ws.dir, name.replace(`.tmp-${process.pid}-`, `.tmp-${DEAD_PID}-`)), text);
    }
  }

  private async apply(o: Extract<Op, { op: 'apply' }>) {
    this.stats.applies++;
    const f = o.fault;
    const clean = f.kind === 'none';
    if (!clean) this.stats.faulted++;
    if (f.kind === 'fail') this.sbOpts.failEvery = f.every;
    if (f.kind === 'drop') this.sbOpts.dropEvery = f.every;
    if (f.kind === 'rate') this.sbOpts.rateLimit = f.limit;
    if (f.kind === 'kill') this.kill = { at: f.at, served: f.served, base: this.sandbox.state.requests.length };
    if (o.onDrift === 'overwrite') this.protectedEdits.clear();
    const config = this.config(o.concurrency);
    let outcomes: Outcome[] = [];
    let error: unknown;
    let planned = true;
    try {
      // Adoption off: this model's dashboard trainings share the files' titles on purpose and must stay
      // untouched; adoption has its own end-to-end tests (test/takeover.test.ts).
      const r = await runApply(config, { prune: o.prune, onDrift: o.onDrift, maxDeletes: 1000, lockWaitMs: 300, refresh: o.refresh, adopt: false });
      outcomes = r.outcomes;
      planned = r.plan !== undefined;
    } catch (err) {
      error = err;
    } finally {
      const snap = this.kill?.snap;
      this.kill = undefined;
      this.sbOpts.failEvery = undefined;
      this.sbOpts.dropEvery = undefined;
      this.sbOpts.rateLimit = 0;
      if (snap) this.restore(snap);
    }
    await this.checkAlways();
    if (o.onDrift !== 'overwrite') this.checkProtected();
    if (!planned) throw new Violation('the files did not validate, though the model only writes valid files');
    const faulted = !clean;
    if (faulted) return;
    if (error !== undefined) {
      const msg = (error as Error).message ?? String(error);
      // The one refusal a clean run may give: deleting everything because the folder looks empty.
      if (o.prune && this.files.size === 0 && /trainings folder has no trainings/.test(msg)) return;
      throw new Violation(`a clean apply threw: ${msg}`);
    }
    const mayConverge = o.refresh ? o.onDrift === 'overwrite' || !this.dirty : !this.dirty;
    if (!mayConverge) return;
    if (o.onDrift !== 'overwrite' && !this.gens.has('strictNoDrift')) return;
    const failed = outcomes.filter((x) => x.status === 'failed' || x.status === 'skipped');
    if (failed.length) throw new Violation(`a clean apply left changes undone: ${failed.map((x) => `${x.change.key} ${x.status}: ${'message' in x ? x.message : x.reason}`).join(' | ')}`);
    await this.checkConverged(o.prune, config);
    this.stats.converged++;
    // An overwrite settles every hand edit, except on a kept orphan (file gone, no --prune) deleted by
    // hand: nothing recreates it, and a file that later takes its key meets that deletion as drift.
    if (o.onDrift === 'overwrite' && o.refresh) {
      const state = await readCurrentState(path.join(this.ws.dir, STATE));
      this.dirty = [...(state?.trainings.values() ?? [])].some((e) => !this.sandbox.state.trainings.has(e.id));
    }
  }

  /** Holds after every command, faults and kills included. */
  async checkAlways() {
    for (const [id, before] of this.foreign) {
      const now = this.sandbox.state.trainings.get(id);
      if (!now) throw new Violation(`training ${id}, not made by opencx-sync, was deleted`);
      if (!isDeepStrictEqual(now, before)) throw new Violation(`training ${id}, not made by opencx-sync, was changed: ${JSON.stringify(now)}`);
    }
    try {
      await readStateFile(path.join(this.ws.dir, STATE));
    } catch (err) {
      throw new Violation(`the state file does not parse: ${(err as Error).message}`);
    }
  }

  private checkProtected() {
    for (const [id, fields] of this.protectedEdits) {
      const r = this.sandbox.state.trainings.get(id);
      if (!r) throw new Violation(`training ${id}, edited by hand, was deleted by a run without --on-drift overwrite`);
      const now = fieldsOfRemote(r as unknown as RemoteTraining);
      if (!isDeepStrictEqual(now, fields)) throw new Violation(`the hand edit of ${id} was overwritten without --on-drift overwrite: ${JSON.stringify(fields)} -> ${JSON.stringify(now)}`);
    }
  }

  /** After a clean run that could converge: Open.cx, the state and the files say the same thing. */
  private async checkConverged(pruned: boolean, config: Config) {
    const loaded = await loadTrainings(config);
    const want = new Set([...this.files].map(([n, f]) => this.keyOf(n, f)));
    const got = new Set(loaded.trainings.map((t) => t.key));
    if (!isDeepStrictEqual(got, want)) throw new Violation(`the files mean keys ${[...got].join(',')} but the model wrote ${[...want].join(',')}`);
    const state = await readStateFile(path.join(this.ws.dir, STATE));
    if (!state) {
      if (want.size === 0) return;
      throw new Violation('no state file after a clean apply');
    }
    const temps = readdirSync(this.ws.dir).filter((n) => (n.startsWith(`${STATE}.`) || n.startsWith(`.${STATE}.`)) && !n.endsWith('.lock'));
    if (this.gens.has('tempFiles') && temps.length) throw new Violation(`temp files left next to the state after a clean apply: ${temps.join(', ')}`);
    // Without --prune, a create a killed run started for a file since removed stays pending, like an orphan.
    const pendingOrphans = new Set(pruned ? [] : [...state.pending.keys()].filter((k) => !want.has(k)));
    const pending = [...state.pending.keys()].filter((k) => !pendingOrphans.has(k));
    if (pending.length) throw new Violation(`pending creates left after a clean apply: ${pending.join(', ')}`);
    const entries = state.trainings;
    const live = this.sandbox.state.trainings;
    const known = (v: string) => (CHANNELS as readonly string[]).includes(v);
    for (const t of loaded.trainings) {
      const e = entries.get(t.key);
      if (!e) throw new Violation(`key ${t.key} is not in the state after a clean apply`);
      const r = live.get(e.id);
      if (!r) throw new Violation(`key ${t.key} is tracked as ${e.id}, which does not exist in Open.cx`);
      if (r.metadata.managed_by !== this.tag || r.metadata.key !== t.key) throw new Violation(`training ${e.id} (key ${t.key}) carries the tag ${JSON.stringify(r.metadata)}`);
      const remote = fieldsOfRemote(r as unknown as RemoteTraining);
      const remoteKnown = { ...remote, channels: remote.channels.filter(known) };
      if (!isDeepStrictEqual(remoteKnown, t.fields)) throw new Violation(`training ${e.id} (key ${t.key}) holds ${JSON.stringify(remote)}, the file says ${JSON.stringify(t.fields)}`);
      if (!isDeepStrictEqual(e.applied, remote)) throw new Violation(`the state of ${t.key} says ${JSON.stringify(e.applied)}, Open.cx holds ${JSON.stringify(remote)}`);
      if (e.path !== t.path) throw new Violation(`the state of ${t.key} points at ${e.path}, the file is ${t.path}`);
    }
    for (const [key, e] of entries) {
      if (got.has(key)) continue;
      if (pruned) throw new Violation(`key ${key} has no file but is still tracked after --prune`);
      if (!live.has(e.id) && !this.dirty) throw new Violation(`orphan ${key} is tracked as ${e.id}, which does not exist`);
    }
    // Every training the tool made is tracked: nothing duplicated, nothing left behind.
    const tracked = new Set([...entries.values()].map((e) => e.id));
    for (const r of live.values()) {
      if (this.foreign.has(r.id) || this.twins.has(r.id) || tracked.has(r.id)) continue;
      if (r.metadata.managed_by === this.tag && pendingOrphans.has(r.metadata.key as string)) continue;
      throw new Violation(`training ${r.id} made by opencx-sync (tag ${JSON.stringify(r.metadata)}) is not tracked: a duplicate or a leftover`);
    }
    // And nothing is left to do: a fresh plan is empty and sees no drift but the dashboard's copies.
    this.checkIdentity(loaded.trainings, entries);
    const plan = (await runPlan(config, { prune: pruned, refresh: true, adopt: false })).plan;
    if (!plan) throw new Violation('plan did not validate after a clean apply');
    if (plan.changes.length) throw new Violation(`plan after a clean apply still has changes: ${plan.changes.map((c) => `${c.action} ${c.key}`).join(', ')}`);
    const odd = (plan.drift ?? []).filter((d) => !((d.kind === 'untracked' || d.kind === 'twin') && this.twins.has(d.id)) && !(!pruned && !got.has(d.key)));
    if (odd.length) throw new Violation(`plan after a clean apply reports drift: ${odd.map((d) => `${d.kind} ${d.key} ${d.id}`).join(', ')}`);
  }

  /**
   * A renamed file keeps its training when the rename is recognisable (issue 8 item 5: same content
   * whatever else changed, or same trigger phrase whatever the type), unless another file or training
   * shares that content or title (then the pairing is a guess). Then records the identities anew.
   */
  private checkIdentity(trainings: { key: string; path: string }[], entries: Map<string, { id: string }>) {
    const byName = new Map(trainings.map((t) => [t.path.replace(/\.md$/, ''), t.key]));
    if (this.gens.has('renameType')) {
      for (const [name, idn] of this.identity) {
        const f = this.files.get(name);
        const key = byName.get(name);
        if (!f || key === undefined) continue;
        if (f.title !== idn.title && f.body !== idn.body) continue;
        const others = [...this.files].filter(([n]) => n !== name).map(([, g]) => g);
        const otherIds = [...this.identity].filter(([n]) => n !== name).map(([, i]) => i);
        const clash = [...others, ...otherIds].some((g) => g.title === f.title || g.body === f.body || g.title === idn.title || g.body === idn.body);
        if (clash) continue;
        const now = entries.get(key)?.id;
        if (now !== idn.id) throw new Violation(`${name}.md was renamed (same ${f.body === idn.body ? 'content' : 'title'}) but its training ${idn.id} was replaced by ${now}`);
      }
    }
    this.identity.clear();
    for (const [name, f] of this.files) {
      const id = entries.get(this.keyOf(name, f))?.id;
      if (id) this.identity.set(name, { id, title: f.title, body: f.body });
    }
  }

  /** Ends every sequence: a clean overwrite with prune must converge, whatever came before. */
  async finish() {
    await this.run({ op: 'apply', onDrift: 'overwrite', prune: true, refresh: true, concurrency: 3, fault: { kind: 'none' } });
  }
}
