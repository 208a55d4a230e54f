// Sorting the short lists a training has (its channels, its segments, the words of its trigger phrase).

/** Lists longer than this go to the built-in sort. */
const SHORT = 16;

/**
 * Sorts `list` in place, as `list.sort(compare)` would. The built-in sort sets up a work area for its
 * merge sort on every call (about 700 bytes, by the sampling heap profiler), more than the two or
 * three values sorted here for each of thousands of files. An insertion sort of a short list
 * allocates nothing, and is stable, as the built-in sort is.
 */
export function sortShort<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  if (list.length > SHORT) return list.sort(compare);
  for (let i = 1; i < list.length; i++) {
    const v = list[i] as T;
    let j = i - 1;
    for (; j >= 0 && compare(list[j] as T, v) > 0; j--) list[j + 1] = list[j] as T;
    list[j + 1] = v;
  }
  return list;
}

/** The order `sort()` without a comparator gives strings: by UTF-16 code units. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
