// The probe sequence of `opencx-sync doctor`: reads, then one temporary draft training tagged as a
// probe, written in each way the tool writes, then deleted. The probe is always removed (a failure, an
// interrupt), and probes an earlier killed run left are found by their tag and removed first.
import type { Check, CheckId } from '../core/doctor.js';
import { isProbe, MANAGED_BY, PROBE_TAG, type RemoteTraining } from '../core/training.js';
import { ApiError } from '../errors.js';
import type { ApiClient, ApiRequest, RetryMode } from './api.js';
import { parseTraining, type Remote } from './remote.js';

export type Seen = Omit<Check, 'id' | 'assumption'>;

export interface ProbeOptions {
  api: ApiClient;
  /** For listing by tag: paged and lenient, as apply lists. */
  remote: Remote;
  /** The clean-up's client and listing: not interrupted by `signal` (default: `api` and `remote`). */
  cleanup?: { api: ApiClient; remote: Remote };
  /** Tags this run's probe, so a later run knows its own from a leftover. */
  runId: string;
  /** Once aborted, no further step starts; the probe is removed. */
  signal: AbortSignal;
  /** Told as each step starts (for --verbose). */
  onStep?: (id: CheckId) => void;
  /** Told when the probe's create is about to be sent, and when the probe is known deleted (what Ctrl-C says). */
  onProbe?: (phase: ProbePhase) => void;
}

/** Where the probe is: not made yet, sent or made (a clean-up is owed), or deleted. */
export type ProbePhase = 'none' | 'made' | 'removed';

export interface ProbeOutcome {
  checks: Map<CheckId, Seen>;
  probe: { id: string | null; removed: boolean; leftovers_removed: string[] };
  stopped?: 'error' | 'interrupted';
  error?: string;
}

type Reply =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status: number | null; message: string };

/** Ends the sequence early with a reason; the probe is still removed. */
class Stop extends Error {}
class Interrupted extends Error {}

const PROBE_CONTENT = 'A temporary check made by "opencx-sync doctor". It is a draft, restricted to the api channel, and deleted within seconds.';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function probeApi(o: ProbeOptions): Promise<ProbeOutcome> {
  const checks = new Map<CheckId, Seen>();
  const out: ProbeOutcome = { checks, probe: { id: null, removed: true, leftovers_removed: [] } };
  const tag = { managed_by: MANAGED_BY, probe: PROBE_TAG, run: o.runId };
  const see = (id: CheckId, verdict: Seen['verdict'], observed: string, tool: string) => checks.set(id, { verdict, observed, tool });
  const step = (id: CheckId) => {
    if (o.signal.aborted) throw new Interrupted();
    o.onStep?.(id);
  };
  const callWith = (api: ApiClient) => async (req: ApiRequest, mode: RetryMode = 'safe'): Promise<Reply> => {
    try {
      return { ok: true, ...(await api.request(req, mode)) };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, status: err.status, message: err.apiMessage };
      throw err;
    }
  };
  const call = callWith(o.api);
  /** An answer or a stop: a lost one ends the sequence. */
  const need = (r: Reply, what: string): Reply => {
    if (!r.ok && r.status === null) throw new Stop(`${what}: ${r.message}`);
    return r;
  };
  const probePath = () => `/training/${encodeURIComponent(out.probe.id as string)}`;
  /** The probe as stored; undefined once deleted (only the delete step expects that: `gone`). */
  const readOrGone = async (): Promise<RemoteTraining | undefined> => {
    const r = need(await call({ method: 'GET', path: probePath() }), 'reading the probe');
    if (r.ok) return parseTraining(r.body, probePath());
    if (r.status === 404) return undefined;
    throw new Stop(`GET ${probePath()} failed: ${r.status} ${r.message}`);
  };
  /** Before the delete step a missing probe is no verdict on the API: someone else deleted it. */
  const read = async (): Promise<RemoteTraining> => {
    const r = await readOrGone();
    if (r) return r;
    throw new Stop(`the probe ${out.probe.id ?? ''} is gone: deleted while doctor ran (by another "opencx-sync doctor" at the same time, which removes probes as leftovers, or in the dashboard); run doctor again alone`);
  };
  const ownProbe = (r: RemoteTraining) => isProbe(r) && r.metadata.run === o.runId;
  const title = `opencx-sync doctor probe ${o.runId}`;
  /** This run's probe, by its tag or, where metadata is not stored, by its title (it carries the run id). */
  const isOurs = (r: RemoteTraining) => ownProbe(r) || r.title === title || r.draft_title === title;
  let metadataOnPut = true;
  const whole = (over: Record<string, unknown> = {}) => ({
    title,
    content: PROBE_CONTENT,
    type: 'SCENARIO_SPECIFIC',
    is_draft: true,
    directory_id: null,
    restricted_to_channels: ['api'],
    restricted_to_segments: [],
    ...(metadataOnPut ? { metadata: tag } : {}),
    ...over,
  });
  /** A PUT of the probe that must land: a refusal ends the sequence. */
  const put = async (body: Record<string, unknown>, what: string) => {
    const r = need(await call({ method: 'PUT', path: probePath(), body }), what);
    if (!r.ok) throw new Stop(`${what}: PUT ${probePath()} failed: ${r.status} ${r.message}`);
  };
  let deleted = false;

  try {
    step('key');
    const first = need(await call({ method: 'GET', path: '/training', query: { limit: 2 } }), 'GET /training');
    if (!first.ok) {
      if (first.status === 401 || first.status === 403) {
        const why = first.status === 401 ? '401: the key is missing or invalid' : '403: the key lacks training:read';
        see('key', 'breaks', why, 'cannot read or write anything: create a key with training:read and training:write in Settings > Access');
        throw new Stop(`the API refused the key (${first.status})`);
      }
      throw new Stop(`GET /training failed: ${first.status} ${first.message}`);
    }
    see('key', 'holds', `${first.status}: accepted`, 'uses it for every request; it is never printed or stored');
    checks.set('list-paging', pagingOf(first.body));

    step('segments-scope');
    const seg = need(await call({ method: 'GET', path: '/contacts/segments', query: { limit: 1 } }), 'GET /contacts/segments');
    if (seg.ok) see('segments-scope', 'holds', `${seg.status}: granted`, 'can check segment ids against Open.cx');
    else see('segments-scope', 'differs', `${seg.status}: ${seg.message}`, 'segment names come from the config file only');

    step('leftovers');
    const left = (await o.remote.list({ managed_by: MANAGED_BY, probe: PROBE_TAG })).filter(isProbe);
    for (const r of left) {
      const d = need(await call({ method: 'DELETE', path: `/training/${encodeURIComponent(r.id)}` }), 'removing a leftover probe');
      if (!d.ok && d.status !== 404) throw new Stop(`could not remove the probe ${r.id} an earlier run left: ${d.status} ${d.message}`);
      out.probe.leftovers_removed.push(r.id);
    }
    see('leftovers', 'holds', left.length ? `removed ${left.length}: ${left.map((r) => r.id).join(', ')}` : 'none', 'never takes a probe for a training of its own; doctor removes leftovers first');

    step('create-status');
    out.probe.removed = false;
    o.onProbe?.('made');
    const made = await call({ method: 'POST', path: '/training', body: whole({ is_draft: undefined, metadata: tag }) }, 'unsafe');
    if (!made.ok) {
      if (made.status === 403) {
        see('write-scope', 'breaks', '403: the key lacks training:write', 'apply cannot create, update or delete: create a key with training:write');
        throw new Stop('the key may not write (403)');
      }
      // Made or not, the clean-up finds it by its tag.
      throw new Stop(`POST /training failed: ${made.status ?? ''} ${made.message}`.replace('  ', ' '));
    }
    see('write-scope', 'holds', `${made.status}: granted`, 'creates, updates and deletes trainings');
    const raw = isObject(made.body) ? made.body : {};
    const created = parseTraining(made.body, '/training');
    out.probe.id = created.id;
    // The id is the server's word: an answer that is not this run's probe is checked before anything is
    // sent to that id (a stale cache or a broken proxy could name a customer's training).
    const named = isOurs(created) ? created : await readOrGone();
    if (!named || !isOurs(named)) {
      out.probe.id = null;
      throw new Stop(`the create answer named the id ${created.id}, which is not this run's probe: nothing was sent to it, and the probe is looked for by its tag`);
    }
    if (made.status === 201) see('create-status', 'holds', '201', 'accepts any 2xx');
    else see('create-status', 'differs', String(made.status), 'accepts any 2xx');

    if (raw.is_draft === true) see('create-draft', 'holds', 'a draft', 'always sends is_draft; never relies on the default');
    else if (raw.is_draft === false) {
      await put(whole(), 'making the probe a draft again');
      see('create-draft', 'differs', 'published (the probe was made a draft again at once)', 'always sends is_draft; never relies on the default');
    } else see('create-draft', 'unknown', 'is_draft is not in the answer', 'always sends is_draft; never relies on the default');

    step('metadata-stored');
    const stored = ownProbe(created) ? created : await read();
    if (stored && ownProbe(stored)) see('metadata-stored', 'holds', ownProbe(created) ? 'stored and returned' : 'stored (not in the create answer; in a GET)', 'tags each training with managed_by and key');
    else {
      see('metadata-stored', 'breaks', 'not stored', 'cannot tag its trainings: a retried create could duplicate, and a lost state file cannot be rebuilt');
      throw new Stop('metadata is not stored');
    }

    step('metadata-filter');
    const filtered = need(await call({ method: 'GET', path: '/training', query: { limit: 100, metadata: JSON.stringify({ probe: PROBE_TAG, run: o.runId }) } }), 'GET /training?metadata=');
    const found = filtered.ok ? itemsOf(filtered.body) : undefined;
    const foundIds = (found ?? []).map((x) => (isObject(x) ? String(x.id) : ''));
    if (!filtered.ok) see('metadata-filter', 'breaks', `${filtered.status}: ${filtered.message}`, 'cannot find its trainings by key: do not apply');
    else if (foundIds.length === 1 && foundIds[0] === out.probe.id) see('metadata-filter', 'holds', 'found exactly the probe', 'finds its trainings, and a create whose answer was lost, by their tag');
    else if (foundIds.includes(out.probe.id)) see('metadata-filter', 'breaks', `ignored: ${foundIds.length} trainings answered`, 'would take other trainings for its own: do not apply');
    else if (await read()) see('metadata-filter', 'breaks', 'the probe was not found by its metadata', 'cannot find its trainings by key: do not apply');

    step('list-sort');
    const listed = need(await call({ method: 'GET', path: '/training', query: { limit: 2 } }), 'GET /training');
    checks.set('list-sort', sortOf(listed.ok ? itemsOf(listed.body) : undefined));

    step('put-metadata');
    const put1 = need(await call({ method: 'PUT', path: probePath(), body: whole({ metadata: { ...tag, step: 'put' } }) }), 'PUT with metadata');
    const noRetag = 'a rename cannot re-tag a training: it keeps its old key, tracked by its id in the state file (apply says so)';
    if (!put1.ok && (put1.status === 400 || put1.status === 422) && /\bmetadata\b/i.test(put1.message)) {
      metadataOnPut = false;
      see('put-metadata', 'differs', `refused: ${put1.status} ${put1.message}`, `sends PUT without metadata after the first refusal; ${noRetag}`);
    } else if (!put1.ok) {
      see('put-metadata', 'breaks', `${put1.status}: ${put1.message}`, 'cannot update trainings');
      throw new Stop(`PUT ${probePath()} failed: ${put1.status} ${put1.message}`);
    } else {
      const after = await read();
      if (after?.metadata.step === 'put') see('put-metadata', 'holds', 'accepted and kept', 'sets managed_by and key on every PUT (renames re-tag)');
      else if (after && ownProbe(after)) see('put-metadata', 'differs', `accepted (${put1.status}) but not kept: the stored metadata did not change`, noRetag);
      else {
        see('put-metadata', 'breaks', 'accepted, but the stored metadata is gone', 'every update would untag a training');
        throw new Stop('PUT dropped the metadata');
      }
    }

    step('put-omitted');
    const { restricted_to_channels: _c, restricted_to_segments: _s, directory_id: _d, ...partial } = whole();
    await put(partial, 'PUT with omitted fields');
    const omitted = await read();
    const channels = omitted?.restricted_to_channels ?? [];
    if (channels.length === 0) see('put-omitted', 'holds', 'reset: restricted_to_channels went back to []', 'sends the whole object on every PUT');
    else see('put-omitted', 'differs', `kept: restricted_to_channels stayed [${channels.join(', ')}]`, 'sends the whole object on every PUT, so either way works');

    step('draft-endpoint');
    // The probe is a draft: asking for a draft changes nothing, unless the endpoint toggles.
    const draftPath = `${probePath()}/draft`;
    const toggle = need(await call({ method: 'PUT', path: draftPath, body: { is_draft: true } }, 'unsafe'), 'PUT /training/{id}/draft');
    const afterToggle = await read();
    if (!toggle.ok) see('draft-endpoint', 'breaks', `${toggle.status}: ${toggle.message}`, 'a published training whose type changes cannot be published again');
    else if (afterToggle?.is_draft === true) see('draft-endpoint', 'holds', `${toggle.status}: sets the state in its body ({"is_draft": true} left a draft a draft)`, 'sends {"is_draft": <target>} only to change the state, then checks it');
    else {
      await put(whole(), 'making the probe a draft again');
      see('draft-endpoint', 'differs', 'toggles: {"is_draft": true} published the draft probe (made a draft again at once)', 'sends a draft change only when the state must change, checks it after, and never repeats one blindly');
    }

    step('type-change');
    await put(whole({ type: 'BEHAVIORAL' }), 'PUT with a type change');
    const typed = await read();
    if (typed?.type !== 'BEHAVIORAL') see('type-change', 'breaks', `the type stayed ${typed?.type ?? 'unknown'}`, 'a type change in a file would fail to apply');
    else if (typed.is_draft) see('type-change', 'holds', 'taken; the draft stayed a draft (not probed on a published training: that would publish the probe)', 'publishes again through the draft endpoint when a type change resets the state');
    else {
      await put(whole({ type: 'BEHAVIORAL' }), 'making the probe a draft again');
      see('type-change', 'differs', 'taken, and the draft was published', 'sends is_draft with every PUT and checks the answer');
    }

    step('delete');
    const del = need(await call({ method: 'DELETE', path: probePath() }), 'DELETE');
    if (!del.ok) {
      see('delete', 'breaks', `${del.status}: ${del.message}`, 'cannot delete trainings (--prune)');
      throw new Stop(`DELETE ${probePath()} failed: ${del.status} ${del.message}`);
    }
    const gone = await readOrGone();
    const again = need(await call({ method: 'DELETE', path: probePath() }), 'a second DELETE');
    const second = String(again.status);
    const shape = `${del.status}${del.body === undefined ? ', no body' : ', with a body'}`;
    if (gone) see('delete', 'differs', `${shape}, but the training is still there`, 'takes any 2xx as deleted: the next plan would show it as drift');
    else {
      deleted = true;
      out.probe.removed = true;
      o.onProbe?.('removed');
      const strict = del.status === 204 && del.body === undefined && again.status === 404;
      see('delete', strict ? 'holds' : 'differs', `${shape}; then gone; a second delete: ${second}`, 'takes any 2xx, and a 404, as deleted');
    }
  } catch (err) {
    // A wait cut short by Ctrl-C fails its request: that is the interrupt, not a verdict.
    if (err instanceof Interrupted || o.signal.aborted) out.stopped = 'interrupted';
    else {
      out.stopped = 'error';
      out.error = err instanceof Error ? err.message : String(err);
    }
  } finally {
    if (!deleted && out.probe.removed === false) {
      const cleanup = o.cleanup ?? { api: o.api, remote: o.remote };
      // A create whose answer was lost is found by its tag: the report names it.
      const onFound = (id: string) => void (out.probe.id ??= id);
      out.probe.removed = await removeProbe(cleanup.remote, o.runId, callWith(cleanup.api), out.probe.id, isOurs, onFound);
    }
  }
  return out;
}

/**
 * Deletes this run's probe by id, then by tag (a create whose answer was lost has no id), and checks
 * with a GET that each is gone: an API may answer a DELETE with 2xx and keep the training. True when gone.
 */
async function removeProbe(
  remote: Remote,
  runId: string,
  call: (r: ApiRequest) => Promise<Reply>,
  id: string | null,
  isOurs: (r: RemoteTraining) => boolean,
  onFound: (id: string) => void,
): Promise<boolean> {
  const done = new Set<string>();
  const remove = async (x: string): Promise<boolean> => {
    done.add(x);
    const path = `/training/${encodeURIComponent(x)}`;
    // Only a training seen to be this run's probe is deleted.
    const before = await call({ method: 'GET', path });
    if (!before.ok) return before.status === 404;
    if (!isOurs(parseTraining(before.body, path))) return true;
    const d = await call({ method: 'DELETE', path });
    if (!d.ok && d.status !== 404) return false;
    const after = await call({ method: 'GET', path });
    return !after.ok && after.status === 404;
  };
  try {
    // By id first: a listing that fails must not keep the one probe whose id is known from being deleted.
    let removed = id === null || (await remove(id));
    let listed: RemoteTraining[];
    try {
      listed = await remote.list({ managed_by: MANAGED_BY, probe: PROBE_TAG, run: runId });
    } catch {
      // With the id known there is only that probe (a create is never repeated blindly).
      return id !== null && removed;
    }
    for (const r of listed) {
      // Checked here too: an API that ignores the filter lists everything.
      if (isProbe(r) && r.metadata.run === runId && !done.has(r.id)) {
        onFound(r.id);
        removed = (await remove(r.id)) && removed;
      }
    }
    return removed;
  } catch {
    return false;
  }
}

function itemsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  return isObject(body) && Array.isArray(body.items) ? body.items : undefined;
}

/** The first answer of GET /training?limit=2, before the probe exists. */
function pagingOf(body: unknown): Seen {
  if (Array.isArray(body)) return { verdict: 'differs', observed: `a bare array of ${body.length} (an older API version)`, tool: 'reads a bare array as the whole list' };
  const items = itemsOf(body);
  if (!isObject(body) || !items) return { verdict: 'breaks', observed: 'neither an {items} envelope nor an array', tool: 'cannot list trainings' };
  const { total, has_more: more } = body;
  if (items.length > 2) return { verdict: 'differs', observed: `limit=2 answered ${items.length} items`, tool: 'moves the offset by the items received' };
  if (typeof more !== 'boolean' || typeof total !== 'number') {
    return { verdict: 'differs', observed: `${items.length} items, ${typeof more === 'boolean' ? '' : 'no has_more '}${typeof total === 'number' ? '' : 'no total'}`.trim(), tool: 'pages until a short or empty page' };
  }
  if (!more && total > items.length) return { verdict: 'breaks', observed: `has_more false with ${items.length} of ${total}`, tool: 'would stop listing early and miss trainings' };
  return { verdict: 'holds', observed: `${items.length} of ${total}, has_more ${more}`, tool: 'pages with limit=100 and de-duplicates by id' };
}

function sortOf(items: unknown[] | undefined): Seen {
  const tool = 'sorts by created_at itself where order matters, and de-duplicates pages by id';
  const times = (items ?? []).slice(0, 2).map((x) => (isObject(x) && typeof x.created_at === 'string' ? Date.parse(x.created_at) : NaN));
  const [a, b] = times;
  if (times.length < 2 || a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) {
    return { verdict: 'unknown', observed: times.length < 2 ? 'one training only: no order to see' : 'no created_at to compare', tool };
  }
  if (a > b) return { verdict: 'holds', observed: 'newest first', tool };
  if (a < b) return { verdict: 'differs', observed: 'oldest first', tool };
  return { verdict: 'unknown', observed: 'the first two have the same created_at', tool };
}
