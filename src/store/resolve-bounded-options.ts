/** The inclusive integer range of each option, by name. */
export type OptionBounds<T> = Readonly<Record<keyof T, readonly [number, number]>>;

/**
 * Fills in the defaults of the options left out or undefined, checks that every bounded
 * option is an integer within its range, and freezes the result: a component checks its
 * limits once, at construction, and never meets a nonsensical one afterwards. `subject`
 * names the options in the error, e.g. `group commit writer option`.
 */
export function resolveBoundedOptions<T extends { readonly [K in keyof T]: number }>(
  subject: string,
  defaults: T,
  bounds: OptionBounds<T>,
  options: Partial<T>,
): T {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: T = { ...defaults, ...given };
  for (const [name, [min, max]] of Object.entries<readonly [number, number]>(bounds)) {
    const value = resolved[name as keyof T];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`${subject} ${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  }
  return Object.freeze(resolved);
}
