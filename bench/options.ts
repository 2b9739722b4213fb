/** A numeric command-line option, refused with its name and bounds when it is not a number from `min` to `max`. */
export function boundedOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`--${name} must be from ${min} to ${max}, got ${text}`);
  return value;
}

/** A comma-separated option whose items must each be one of `allowed`; an unknown item is refused, naming the choices. */
export function listOption<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  return text.split(',').map((item) => {
    if (!(allowed as readonly string[]).includes(item))
      throw new RangeError(`--${name}: unknown ${JSON.stringify(item)}; choose from ${allowed.join(', ')}`);
    return item as T;
  });
}

/** A whole-number command-line option from `min` to `max`; a fraction is refused, as anything else out of bounds is. */
export function integerOption(name: string, text: string, min: number, max: number): number {
  const value = boundedOption(name, text, min, max);
  if (!Number.isInteger(value)) throw new RangeError(`--${name} must be a whole number, got ${text}`);
  return value;
}
