// "1 training", "2 trainings": counts in messages, shared by every layer.
/** "1 training", "2 trainings", "0 trainings"; pass the plural when adding "s" is wrong. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
