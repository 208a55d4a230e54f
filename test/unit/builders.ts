// In-memory builders for the pure core: no files, no fakes.
import { hashFields } from '../../src/core/hash.js';
import { emptyState, type State } from '../../src/core/state.js';
import type { Training, TrainingFields } from '../../src/core/training.js';

export function fields(over: Partial<TrainingFields> = {}): TrainingFields {
  return { title: 'Title', content: 'Content', type: 'SCENARIO_SPECIFIC', draft: false, directory: null, channels: [], segments: [], ...over };
}

export function training(key: string, over: Partial<TrainingFields> = {}, path = `${key}.md`): Training {
  return { key, path, fields: fields({ title: `T ${key}`, ...over }) };
}

/** A state as if `trainings` had been applied, with ids "id-<key>". */
export function stateOf(trainings: Training[], extra: Partial<State> = {}): State {
  const s = emptyState('lineage-1');
  for (const t of trainings) s.trainings.set(t.key, { id: `id-${t.key}`, path: t.path, hash: hashFields(t.fields), applied: t.fields });
  return { ...s, ...extra };
}
