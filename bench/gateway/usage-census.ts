import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface UsageCensus {
  readonly records: number;
  readonly byOutcome: Readonly<Record<string, number>>;
  /** Records whose tokens were estimated rather than reported by the upstream. */
  readonly estimated: number;
}

/** Counts the usage records a stopped Commonweal left in its SQLite store, read-only. */
export function countUsageRecords(dataDir: string): UsageCensus {
  const db = new Database(join(dataDir, 'commonweal.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('select outcome, count(*) as n, sum(usage_estimated) as estimated from usage_records group by outcome')
      .all() as {
      outcome: string;
      n: number;
      estimated: number;
    }[];
    return {
      records: rows.reduce((sum, row) => sum + row.n, 0),
      byOutcome: Object.fromEntries(rows.map((row) => [row.outcome, row.n])),
      estimated: rows.reduce((sum, row) => sum + row.estimated, 0),
    };
  } finally {
    db.close();
  }
}
