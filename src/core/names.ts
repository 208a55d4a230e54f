// The config's name maps (directories, segments: the name people write -> the id Open.cx holds), read
// the other way round wherever an id is shown to people. A module of its own, so the renderers load no parser.

/** A name map turned around: id -> the name people use for it (the last name wins where two share an id). */
export function namesById(map: ReadonlyMap<string, string> | undefined): Map<string, string> {
  return new Map([...(map ?? [])].map(([name, id]) => [id, name]));
}
