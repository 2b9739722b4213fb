/**
 * The shape of a JSON value as a set of `path: type` entries, with `[]` for any array
 * item, so that two answers compare by the fields they carry and the types of their
 * values, not by ids and times that differ from run to run.
 */
export function jsonShape(value: unknown, path = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    into.add(`${path}: array`);
    for (const item of value) jsonShape(item, `${path}[]`, into);
  } else if (value !== null && typeof value === 'object') {
    into.add(`${path}: object`);
    for (const [key, child] of Object.entries(value)) jsonShape(child, path === '' ? key : `${path}.${key}`, into);
  } else {
    into.add(`${path}: ${value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value}`);
  }
  return into;
}
