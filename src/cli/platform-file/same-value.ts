const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether a declared value and the server's are the same: deep, regardless of key order,
 * with null and absent alike, and instants compared as instants (the server writes
 * `2027-01-01T00:00:00.000Z` for a declared `2027-01-01T00:00Z`).
 */
export function sameValue(declared: unknown, current: unknown): boolean {
  const a = declared ?? null;
  const b = current ?? null;
  if (typeof a === 'string' && typeof b === 'string' && isoInstant.test(a) && isoInstant.test(b)) {
    return Date.parse(a) === Date.parse(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].every((key) => sameValue(x[key], y[key]));
  }
  return a === b;
}
