/** How a command prints records: an aligned table for people, JSON for scripts. */
export interface OutputOptions {
  readonly json?: boolean;
}

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

export function printRows<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: OutputOptions,
  raw: unknown = rows,
): void {
  if (options.json) console.log(JSON.stringify(raw, null, 2));
  else if (rows.length === 0) console.log('(none)');
  else console.log(formatTable(rows, columns));
}

/** One record: JSON, or `key: value` lines. */
export function printRecord(record: Record<string, unknown>, options: OutputOptions): void {
  if (options.json) {
    console.log(JSON.stringify(record, null, 2));
    return;
  }
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [key, value] of Object.entries(record)) console.log(`${key.padEnd(width)}  ${cell(value)}`);
}
