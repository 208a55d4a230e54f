// Several repositories, one organisation: each namespace lists, creates, prunes and rebuilds only its
// own trainings, against one sandbox over real HTTP; the default namespace keeps today's tag.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../src/config.js';
import { runApply, runPlan, runStateRebuild } from '../src/engine.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { KEY, trainingFile, workspace, type Workspace } from './helpers.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function sandbox(): Promise<Sandbox> {
  const s = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0 });
  open.push(s);
  return s;
}

/** A repository: its own folder, files, config (with the namespace, when given) and state file. */
function repo(s: Sandbox, files: Record<string, string>, namespace?: string) {
  const ws: Workspace = workspace(files);
  open.push({ close: () => ws.cleanup() });
  const configOf = (ns: string | undefined): Config =>
    resolveConfig({
      cwd: ws.dir,
      ...(ns === undefined ? {} : { file: { path: path.join(ws.dir, 'opencx-sync.config.json'), text: JSON.stringify({ namespace: ns }) } }),
      env: { OPENCX_API_URL: s.url, OPENCX_API_KEY: KEY },
      flags: { rateLimit: 0, retryDelay: 5, retries: 2, timeout: 5_000 },
    });
  let config = configOf(namespace);
  return {
    ws,
    get config() {
      return config;
    },
    reconfigure: (ns: string | undefined) => (config = configOf(ns)),
    apply: (prune = false) => runApply(config, { prune, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true }),
    plan: (prune = false) => runPlan(config, { prune, refresh: true }),
    rebuild: (force = false) => runStateRebuild(config, { force }),
    state: () => JSON.parse(ws.read('opencx-sync.state.json')) as { version: number; namespace?: string; trainings: Record<string, { id: string }> },
  };
}

const tags = (s: Sandbox) =>
  [...s.state.trainings.values()].map((r) => `${String(r.metadata.managed_by)} ${String(r.metadata.key)}`).sort();

const written = (r: Awaited<ReturnType<ReturnType<typeof repo>['apply']>>) => r.outcomes.map((o) => `${o.status} ${o.change.key}`).sort();

describe('two namespaces against one organisation', () => {
  it('each applies its own, both plans are empty afterwards, even with the same keys', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/faq.md': trainingFile('Refunds?'), 'trainings/invoices.md': trainingFile('Invoices?') }, 'billing');
    const product = repo(s, { 'trainings/faq.md': trainingFile('Dark mode?') }, 'product');

    expect(written(await billing.apply())).toEqual(['created faq', 'created invoices']);
    // Before namespaces, this first apply refused: it took billing's trainings for its own lost state.
    expect(written(await product.apply())).toEqual(['created faq']);
    expect(tags(s)).toEqual(['opencx-sync:billing faq', 'opencx-sync:billing invoices', 'opencx-sync:product faq']);

    for (const r of [billing, product]) {
      const { plan } = await r.plan(true);
      expect(plan?.changes).toEqual([]);
      expect(plan?.drift).toEqual([]);
    }
    expect(billing.state()).toMatchObject({ version: 2, namespace: 'billing' });
    expect(Object.keys(product.state().trainings)).toEqual(['faq']);
  });

  it('prune in one namespace never touches the other', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?'), 'trainings/b.md': trainingFile('B?') }, 'billing');
    const product = repo(s, { 'trainings/a.md': trainingFile('Product A?') }, 'product');
    await billing.apply();
    await product.apply();
    const productIds = Object.values(product.state().trainings).map((e) => e.id);

    billing.ws.remove('trainings/a.md');
    billing.ws.remove('trainings/b.md');
    billing.ws.write('trainings/c.md', trainingFile('C?'));
    expect(written(await billing.apply(true))).toEqual(['created c', 'deleted a', 'deleted b']);

    expect(tags(s)).toEqual(['opencx-sync:billing c', 'opencx-sync:product a']);
    expect(productIds.every((id) => s.state.trainings.has(id))).toBe(true);
    expect((await product.plan(true)).plan?.changes).toEqual([]);
  });

  it('state rebuild claims only its own namespace', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?'), 'trainings/b.md': trainingFile('B?') }, 'billing');
    const product = repo(s, { 'trainings/a.md': trainingFile('Product A?'), 'trainings/z.md': trainingFile('Z?') }, 'product');
    const plain = repo(s, { 'trainings/a.md': trainingFile('Plain A?') });
    for (const r of [billing, product, plain]) await r.apply();
    const before = billing.state();

    rmSync(path.join(billing.ws.dir, 'opencx-sync.state.json'));
    const rebuilt = await billing.rebuild();
    expect([...rebuilt.state.trainings.keys()]).toEqual(['a', 'b']);
    expect(rebuilt.duplicates).toEqual([]);
    expect(billing.state().trainings).toEqual(before.trainings);
    expect(billing.state()).toMatchObject({ version: 2, namespace: 'billing' });
    expect((await billing.plan(true)).plan?.changes).toEqual([]);

    // The default namespace rebuilds its one training, not the namespaced ones.
    rmSync(path.join(plain.ws.dir, 'opencx-sync.state.json'));
    expect([...(await plain.rebuild()).state.trainings.keys()]).toEqual(['a']);
    expect(Object.values(plain.state().trainings).map((e) => s.state.trainings.get(e.id)?.metadata.managed_by)).toEqual(['opencx-sync']);
  });

  it('a default-namespace repository next to a namespaced one keeps today\'s tag and state format', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?') }, 'billing');
    const plain = repo(s, { 'trainings/a.md': trainingFile('Plain A?'), 'trainings/b.md': trainingFile('Plain B?') });
    await billing.apply();
    expect(written(await plain.apply())).toEqual(['created a', 'created b']);
    expect(tags(s)).toEqual(['opencx-sync a', 'opencx-sync b', 'opencx-sync:billing a']);
    // Version 1 with no namespace key: an older opencx-sync still reads it.
    expect(plain.state().version).toBe(1);
    expect(plain.state()).not.toHaveProperty('namespace');

    // Neither sees the other's trainings as twins or untracked, in either order of applying.
    for (const r of [billing, plain]) {
      const { plan } = await r.plan(true);
      expect(plan?.changes).toEqual([]);
      expect(plan?.drift).toEqual([]);
    }
    plain.ws.remove('trainings/a.md');
    expect(written(await plain.apply(true))).toEqual(['deleted a']);
    expect(tags(s)).toEqual(['opencx-sync b', 'opencx-sync:billing a']);
  });

  it('a lost state of one namespace is still refused, with the namespace named, while another namespace applies', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?') }, 'billing');
    await billing.apply();
    rmSync(path.join(billing.ws.dir, 'opencx-sync.state.json'));
    await expect(billing.apply()).rejects.toThrow(/already holds 1 training made by opencx-sync in namespace "billing": run "opencx-sync state rebuild"/);
    expect(tags(s)).toEqual(['opencx-sync:billing a']);
  });
});

describe('a training retagged for another namespace', () => {
  it('is no longer this repository\'s: reported as gone, never taken back, and the other namespace keeps it', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?') }, 'billing');
    await billing.apply();
    const id = Object.values(billing.state().trainings)[0]?.id as string;
    const r = s.state.trainings.get(id);
    if (!r) throw new Error('not created');
    s.state.trainings.set(id, { ...r, metadata: { managed_by: 'opencx-sync:product', key: 'a' } });

    const warnings: string[] = [];
    const { plan } = await runPlan(billing.config, { prune: false, refresh: true }, { warn: (l) => warnings.push(l) });
    expect(plan?.drift?.map((d) => `${d.kind} ${d.key}`)).toEqual(['deleted a']);
    // Said why: it was not deleted, another namespace has it.
    expect(warnings).toEqual([`a: the training (${id}) is now tagged for namespace "product", so it is that repository's: here it counts as deleted in Open.cx`]);
    const applied = await billing.apply();
    expect(applied.outcomes.map((o) => o.status)).toEqual(['failed']);
    expect(s.state.trainings.get(id)?.metadata).toEqual({ managed_by: 'opencx-sync:product', key: 'a' });
    expect(s.state.trainings.size).toBe(1);
  });

  it('is never overwritten nor deleted by an apply that does not list first, even with --on-drift overwrite', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?'), 'trainings/b.md': trainingFile('B?') }, 'billing');
    await billing.apply();
    const ids = billing.state().trainings;
    for (const key of ['a', 'b']) {
      const r = s.state.trainings.get(ids[key]?.id as string);
      if (!r) throw new Error('not created');
      s.state.trainings.set(r.id, { ...r, metadata: { managed_by: 'opencx-sync:product', key } });
    }
    billing.ws.write('trainings/a.md', trainingFile('A, edited?'));
    billing.ws.remove('trainings/b.md');

    const applied = await runApply(billing.config, { prune: true, onDrift: 'overwrite', maxDeletes: 10, lockWaitMs: 0, refresh: false });
    // Gone from billing's point of view: a is made anew under billing's tag, b was "already gone".
    expect(applied.outcomes.map((o) => `${o.status} ${o.change.key}`).sort()).toEqual(['created a', 'deleted b']);
    for (const key of ['a', 'b']) expect(s.state.trainings.get(ids[key]?.id as string)?.metadata).toEqual({ managed_by: 'opencx-sync:product', key });
    expect(tags(s)).toEqual(['opencx-sync:billing a', 'opencx-sync:product a', 'opencx-sync:product b']);
  });
});

describe('changing a repository\'s namespace', () => {
  it('is refused while the state tracks trainings, before anything is sent', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?') }, 'billing');
    await billing.apply();
    const requests = s.state.requests.length;
    billing.reconfigure('payments');
    const refusal = /tracks 1 training of namespace "billing", but namespace "payments" is configured: .*Set the namespace back to "billing"/;
    await expect(billing.plan()).rejects.toThrow(refusal);
    await expect(billing.apply()).rejects.toThrow(refusal);
    billing.reconfigure(undefined);
    await expect(billing.plan()).rejects.toThrow(/of namespace "billing", but the default namespace is configured/);
    expect(s.state.requests.length).toBe(requests);
    expect(billing.state()).toMatchObject({ namespace: 'billing' });
  });

  it('by state rebuild needs --force, and the refusal names both namespaces', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/a.md': trainingFile('A?') }, 'billing');
    await billing.apply();
    billing.reconfigure('payments');
    await expect(billing.rebuild()).rejects.toThrow(/tracks 1 training of namespace "billing", but namespace "payments" is configured: pass --force to replace it with the trainings of namespace "payments"/);
    expect(billing.state()).toMatchObject({ namespace: 'billing' });
  });

  it('is taken when the state tracks nothing', async () => {
    const s = await sandbox();
    const r = repo(s, { 'trainings/b.md': trainingFile('B?') });
    // An empty organisation rebuilds to a state that tracks nothing, in the default namespace.
    await r.rebuild();
    expect(r.state()).toMatchObject({ version: 1, trainings: {} });
    r.reconfigure('billing');
    expect(written(await r.apply())).toEqual(['created b']);
    expect(r.state()).toMatchObject({ version: 2, namespace: 'billing' });
    expect(tags(s)).toEqual(['opencx-sync:billing b']);
  });
});

describe('the namespace setting', () => {
  const config = (over: { flag?: string; env?: string; file?: string }) =>
    resolveConfig({
      cwd: '/tmp',
      ...(over.file === undefined ? {} : { file: { path: 'opencx-sync.config.json', text: JSON.stringify({ namespace: over.file }) } }),
      env: over.env === undefined ? {} : { OPENCX_SYNC_NAMESPACE: over.env },
      flags: over.flag === undefined ? {} : { namespace: over.flag },
    });

  it('comes from the flag, then the environment, then the config file; default empty', () => {
    expect(config({}).namespace).toBe('');
    expect(config({ file: 'billing' }).namespace).toBe('billing');
    expect(config({ file: 'billing', env: 'product' }).namespace).toBe('product');
    expect(config({ file: 'billing', env: 'product', flag: 'web-app' }).namespace).toBe('web-app');
    // An empty variable is unset (CI defines them empty); an empty flag is the default namespace.
    expect(config({ file: 'billing', env: '' }).namespace).toBe('billing');
    expect(config({ file: 'billing', flag: '' }).namespace).toBe('');
  });

  it('is checked, naming where it came from', () => {
    expect(() => config({ file: 'Billing Team' })).toThrow('opencx-sync.config.json: namespace: namespace "Billing Team" is not valid: use lowercase letters a-z, digits and "-" or "_" inside');
    expect(() => config({ env: 'a:b' })).toThrow(/^OPENCX_SYNC_NAMESPACE: namespace "a:b" is not valid/);
    expect(() => config({ flag: 'x'.repeat(41) })).toThrow(/^--namespace: namespace "x{41}" is 41 characters long: use at most 40/);
    expect(() => config({ flag: '-billing' })).toThrow(/is not valid/);
  });

  it('the state of a namespace that an older opencx-sync would misread says "upgrade"', async () => {
    const s = await sandbox();
    const r = repo(s, { 'trainings/a.md': trainingFile('A?') }, 'billing');
    await r.apply();
    expect(existsSync(path.join(r.ws.dir, 'opencx-sync.state.json'))).toBe(true);
    r.ws.write('opencx-sync.state.json', r.ws.read('opencx-sync.state.json').replace('"version": 2', '"version": 3'));
    await expect(r.plan()).rejects.toThrow(/has version 3, but this opencx-sync reads versions 1 and 2: upgrade opencx-sync/);
  });
});

describe('adoption and import stay inside the namespace', () => {
  it('a training another namespace made, with the same trigger phrase, is neither adopted nor imported', async () => {
    const { runImport } = await import('../src/engine.js');
    const s = await sandbox();
    const billing = repo(s, { 'trainings/refunds.md': trainingFile('Refunds?') }, 'billing');
    expect(written(await billing.apply())).toEqual(['created refunds']);
    // The same trigger phrase in the default namespace's repository: a new training of its own, not billing's.
    const other = repo(s, { 'trainings/refunds.md': trainingFile('Refunds?') });
    const planned = await other.plan();
    expect(planned.plan?.changes.map((c) => [c.action, c.action === 'create' ? c.adopt : null])).toEqual([['create', null]]);
    const imported = await runImport(repo(s, {}, 'product').config, { dryRun: true, force: false });
    expect(imported.files).toEqual([]);
    expect(imported.left.map((l) => l.why)).toEqual(['tagged by the repository of namespace "billing": left to it']);
    expect(written(await other.apply())).toEqual(['created refunds']);
    expect(tags(s)).toEqual(['opencx-sync refunds', 'opencx-sync:billing refunds']);
  });

  it('a file pinning the id of another namespace\'s training is refused naming that namespace, not "Open.cx does not hold"', async () => {
    const s = await sandbox();
    const billing = repo(s, { 'trainings/refunds.md': trainingFile('Refunds?') }, 'billing');
    expect(written(await billing.apply())).toEqual(['created refunds']);
    const id = billing.state().trainings.refunds?.id ?? '';
    // Imported before billing took it, say: product's file still pins it.
    const product = repo(s, { 'trainings/refunds.md': `---\ntitle: Refunds?\nid: ${id}\n---\nProduct's answer.\n` }, 'product');
    const refusal = `refunds.md: pins id ${id}, which is tagged by the repository of namespace "billing": it is not adopted`;
    await expect(product.plan()).rejects.toThrow(refusal);
    await expect(product.apply()).rejects.toThrow(refusal);
    expect(tags(s)).toEqual(['opencx-sync:billing refunds']);
  });
});
