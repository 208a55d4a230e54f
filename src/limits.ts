// The one rule for every number a person gives us, as a flag or in the config file: a whole number
// within limits. A bad value is refused by name, never read as NaN (NaN turned the delete guard off).

/** Lowest and highest value of each numeric setting, by flag name. */
export const NUMBER_LIMITS = {
  'max-deletes': [0, 1_000_000],
  'lock-wait': [0, 3_600_000],
  'rate-limit': [0, 100_000],
  concurrency: [1, 32],
  timeout: [100, 600_000],
  retries: [0, 20],
  'retry-delay': [0, 60_000],
} as const satisfies Record<string, readonly [number, number]>;

export type NumberSetting = keyof typeof NUMBER_LIMITS;

export function wholeNumberRule(name: NumberSetting): string {
  const [min, max] = NUMBER_LIMITS[name];
  return `must be a whole number from ${min} to ${max}`;
}

/**
 * The value as a number, or what is wrong with it. Takes what yargs or JSON gives: a number, or the
 * text as typed (digits only: no sign, point, exponent or blank).
 */
export function checkWholeNumber(name: NumberSetting, raw: unknown): { value: number } | { error: string } {
  const [min, max] = NUMBER_LIMITS[name];
  if (Array.isArray(raw)) return { error: `is given ${raw.length} times: give it once` };
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(value) && value >= min && value <= max) return { value };
  const shown = typeof raw === 'string' || typeof raw === 'number' ? `, not ${JSON.stringify(raw)}` : '';
  return { error: `${wholeNumberRule(name)}${shown}` };
}
