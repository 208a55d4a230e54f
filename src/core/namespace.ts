// Namespaces: several repositories share one Open.cx organisation, each owning only the trainings its
// tag names. Pure. The tag is one value, `metadata.managed_by`: "opencx-sync" for the empty (default)
// namespace, as before namespaces existed, and "opencx-sync:<namespace>" otherwise. One value rather than
// a separate `namespace` key, so the API's jsonb `@>` filter `{"managed_by": <tag>}` selects exactly one
// namespace (a separate key would let the default namespace's filter match every namespace), and an
// opencx-sync from before namespaces never lists, adopts or rebuilds a namespaced repository's trainings.

/** The tag of the default namespace, and the prefix of every other: `<MANAGED_BY>:<namespace>`. */
export const MANAGED_BY = 'opencx-sync';

export const NAMESPACE_MAX_LENGTH = 40;
const NAMESPACE = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;

/** What is wrong with a namespace value, or undefined when it is valid ('' is the default namespace). */
export function checkNamespace(value: string): string | undefined {
  if (value === '') return undefined;
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (value.length > NAMESPACE_MAX_LENGTH) return `namespace ${shown} is ${value.length} characters long: use at most ${NAMESPACE_MAX_LENGTH}`;
  if (!NAMESPACE.test(value)) {
    // Only case or spaces wrong (an "Billing" typed by hand): the value meant.
    const meant = value.trim().toLowerCase();
    const hint = NAMESPACE.test(meant) ? `: did you mean "${meant}"?` : '';
    return `namespace ${shown} is not valid: use lowercase letters a-z, digits and "-" or "_" inside (e.g. "billing"), or leave it empty for the default namespace${hint}`;
  }
  return undefined;
}

/** The `metadata.managed_by` value of a namespace's trainings. */
export function tagOf(namespace: string): string {
  return namespace === '' ? MANAGED_BY : `${MANAGED_BY}:${namespace}`;
}

/** The namespace a `managed_by` value names ('' = the default one), or undefined when opencx-sync did not write it. */
export function namespaceOfTag(managedBy: unknown): string | undefined {
  if (managedBy === MANAGED_BY) return '';
  if (typeof managedBy !== 'string' || !managedBy.startsWith(`${MANAGED_BY}:`)) return undefined;
  const ns = managedBy.slice(MANAGED_BY.length + 1);
  return ns !== '' && checkNamespace(ns) === undefined ? ns : undefined;
}

/**
 * The other namespace a training belongs to, when opencx-sync tagged it for a namespace other than
 * `namespace`: such a training is never listed, adopted, imported, rebuilt or pruned from here.
 */
export function otherNamespaceOf(metadata: Record<string, unknown>, namespace: string): string | undefined {
  const ns = namespaceOfTag(metadata.managed_by);
  return ns === undefined || ns === namespace ? undefined : ns;
}

/** How a namespace is named in messages. */
export function namespaceName(namespace: string): string {
  return namespace === '' ? 'the default namespace' : `namespace "${namespace}"`;
}

/**
 * The state under the configured namespace. A state that tracks nothing takes the configured one; a state
 * that tracks trainings keeps its own, and a different configured one is an error: its trainings carry
 * the old tag, so the new namespace would neither see them nor be allowed to take them.
 */
export function inNamespace<S extends { namespace: string; trainings: ReadonlyMap<string, unknown>; pending: ReadonlyMap<string, unknown> }>(
  state: S,
  configured: string,
): { state: S } | { error: string } {
  if (state.namespace === configured) return { state };
  const tracked = state.trainings.size + state.pending.size;
  if (tracked === 0) return { state: { ...state, namespace: configured } };
  return {
    error:
      `tracks ${tracked} ${tracked === 1 ? 'training' : 'trainings'} of ${namespaceName(state.namespace)}, but ${namespaceName(configured)} is configured: ` +
      `a repository's namespace cannot change while it tracks trainings (they are tagged "${tagOf(state.namespace)}"). ` +
      `Set the namespace back to ${state.namespace === '' ? 'empty' : `"${state.namespace}"`}, or use another state file for the new namespace`,
  };
}
