// The state model: what we last wrote to Open.cx, per key. Versioned; unknown versions are refused.
import { z } from 'zod';
import type { TrainingFields } from './training.js';

export const STATE_VERSION = 1;

const fieldsSchema = z.strictObject({
  title: z.string(),
  content: z.string(),
  // What Open.cx held, which may be a type or channel this version does not know (state rebuild).
  type: z.string(),
  draft: z.boolean(),
  directory: z.string().nullable(),
  channels: z.array(z.string()),
  segments: z.array(z.string()),
});

const stateSchema = z.strictObject({
  version: z.literal(STATE_VERSION),
  lineage: z.string().min(1),
  serial: z.number().int().nonnegative(),
  trainings: z.record(
    z.string(),
    z.strictObject({ id: z.string().min(1), path: z.string(), hash: z.string(), applied: fieldsSchema }),
  ),
  /** Creates that were started but whose answer was not recorded: the next run looks them up before creating. */
  pending: z.record(z.string(), z.strictObject({ path: z.string(), hash: z.string() })),
});

export type State = z.infer<typeof stateSchema>;
export type StateEntry = State['trainings'][string];

export function emptyState(lineage: string): State {
  return { version: STATE_VERSION, lineage, serial: 0, trainings: {}, pending: {} };
}

/** Parses state file text; never treats a damaged file as empty, which would duplicate everything. */
export function parseState(text: string): { state: State } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: `is not valid JSON (${(err as Error).message}); it may be half-written or hand-edited: restore it from git, or run "opencx-sync state rebuild"` };
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== STATE_VERSION) {
    return { error: `has version ${version}, but this opencx-sync reads version ${STATE_VERSION}: upgrade opencx-sync` };
  }
  const r = stateSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return { error: `is damaged at ${i?.path.join('.') || 'top level'}: ${i?.message}; restore it from git, or run "opencx-sync state rebuild"` };
  }
  return { state: r.data };
}

/**
 * Deterministic text: sorted keys, 2-space indent, lists of plain values on one line, trailing newline,
 * so a git diff shows one line per changed field.
 */
export function serializeState(state: State): string {
  return render(state, '') + '\n';
}

function render(v: unknown, pad: string): string {
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
    const inner = pad + '  ';
    return v.length ? `[\n${v.map((x) => inner + render(x, inner)).join(',\n')}\n${pad}]` : '[]';
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    const inner = pad + '  ';
    const body = keys.map((k) => `${inner}${JSON.stringify(k)}: ${render((v as Record<string, unknown>)[k], inner)}`);
    return keys.length ? `{\n${body.join(',\n')}\n${pad}}` : '{}';
  }
  return JSON.stringify(v);
}

/** Everything that changes the state, one event per API result (or intent before a create). */
export type StateEvent =
  | { type: 'begin' }
  | { type: 'intent'; key: string; path: string; hash: string }
  | { type: 'intent-dropped'; key: string }
  | { type: 'written'; key: string; from?: string; id: string; path: string; hash: string; fields: TrainingFields }
  | { type: 'deleted'; key: string };

/** Pure: the state after one event. The caller persists it atomically. */
export function nextState(state: State, e: StateEvent): State {
  const trainings = { ...state.trainings };
  const pending = { ...state.pending };
  switch (e.type) {
    case 'begin':
      return { ...state, serial: state.serial + 1 };
    case 'intent':
      pending[e.key] = { path: e.path, hash: e.hash };
      break;
    case 'intent-dropped':
      delete pending[e.key];
      break;
    case 'written':
      if (e.from !== undefined && e.from !== e.key) delete trainings[e.from];
      delete pending[e.key];
      trainings[e.key] = { id: e.id, path: e.path, hash: e.hash, applied: e.fields };
      break;
    case 'deleted':
      delete trainings[e.key];
      delete pending[e.key];
      break;
  }
  return { ...state, trainings, pending };
}
