// The engine in process against a sandbox on port 0: apply and plan as the CLI runs them, with
// "dashboard edits" made directly in the sandbox's records.
import { resolveConfig } from '../src/config.js';
import { MANAGED_BY } from '../src/core/training.js';
import { runApply, runPlan, type ApplyHooks, type ApplyOptions } from '../src/engine.js';
import { startSandbox, type SandboxOptions } from '../src/sandbox/server.js';
import type { TrainingRecord } from '../src/sandbox/model.js';
import { KEY, workspace } from './helpers.js';

export async function inProcess(files: Record<string, string>, opts: SandboxOptions = {}) {
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, rateLimit: 0, ...opts });
  const ws = workspace(files);
  const config = resolveConfig({
    cwd: ws.dir,
    env: { OPENCX_API_URL: sandbox.url, OPENCX_API_KEY: KEY },
    flags: { rateLimit: 0, retryDelay: 5, retries: 2, timeout: 5_000 },
  });
  const records = () => [...sandbox.state.trainings.values()];
  return {
    sandbox,
    ws,
    config,
    apply: (o: Partial<ApplyOptions> = {}, hooks: ApplyHooks = {}) =>
      runApply(config, { prune: false, onDrift: 'fail', maxDeletes: 10, lockWaitMs: 0, refresh: true, ...o }, hooks),
    plan: (o: { prune?: boolean; refresh?: boolean } = {}) => runPlan(config, { prune: false, refresh: true, ...o }),
    /** Trainings carrying this key, as the API would list them. */
    withKey: (key: string) => records().filter((r) => r.metadata.managed_by === MANAGED_BY && r.metadata.key === key),
    records,
    /** Requests that change something, as "METHOD /path". */
    writes: () => sandbox.state.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    /** A dashboard edit: replaces the record's fields in place. */
    edit: (id: string, over: Partial<TrainingRecord>) => {
      const r = sandbox.state.trainings.get(id);
      if (!r) throw new Error(`no training ${id}`);
      sandbox.state.trainings.set(id, { ...r, ...over, updated_at: new Date().toISOString() });
    },
    /** A dashboard copy of a training (same metadata), under a chosen id. */
    duplicate: (id: string, newId: string) => {
      const r = sandbox.state.trainings.get(id);
      if (!r) throw new Error(`no training ${id}`);
      sandbox.state.trainings.set(newId, { ...r, id: newId, seq: r.seq + 1_000 });
    },
    async close() {
      await sandbox.close();
      ws.cleanup();
    },
  };
}

export type InProcess = Awaited<ReturnType<typeof inProcess>>;
