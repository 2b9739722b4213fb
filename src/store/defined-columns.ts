/**
 * The columns an update sets from a patch. A field left undefined means "leave the
 * column as it is", so it is dropped; the fields named in `jsonFields` are stored as
 * JSON text, except null, which clears the column.
 */
export function definedColumns<P extends object>(
  patch: P,
  jsonFields: readonly (keyof P & string)[] = [],
): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    columns[field] =
      value !== null && (jsonFields as readonly string[]).includes(field) ? JSON.stringify(value) : value;
  }
  return columns;
}
