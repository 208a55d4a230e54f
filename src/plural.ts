/** "1 training", "2 trainings", "0 trainings"; pass the plural when adding "s" is wrong. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
