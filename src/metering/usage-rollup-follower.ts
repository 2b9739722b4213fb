import { CompiledQuery } from 'kysely';
import type { GroupCommitWriter, WriteTransaction } from '../store/index.js';
import { rollupLevels } from './rollup-levels.js';
import { addRecord, emptySums, type RollupSums, rollupKeyColumns, rollupSumColumns } from './rollup-sums.js';
import { type RollupDimension, rollupDimensions } from './usage-rollup-dimensions.js';

/** The dimensions of a rollup's key after its granularity and bucket, in the order of `rollupKeyColumns`. */
const keyDimensions = Object.keys(rollupDimensions) as RollupDimension[];

export interface UsageRollupFollowerOptions {
  /** How often the follower looks for new records; with one step's time, the bound on how stale rollups are. */
  readonly intervalMs: number;
  /** The most records one step adds in, which bounds how long it holds the shared transaction. */
  readonly recordsPerStepMax: number;
  readonly onError: (error: unknown) => void;
}

const cursorName = 'usage_rollups';
/** Rows per upsert: 61 parameters each stays far below what either database binds in one statement. */
const rowsPerUpsertMax = 200;

interface RecordRow {
  readonly seq: number;
  readonly createdAt: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly modelId: string;
  readonly siteId: string | null;
  readonly jurisdiction: string | null;
  readonly status: number;
  readonly outcome: string;
  readonly errorCode: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly creditsPricedMicro: number | null;
  readonly creditsChargedMicro: number | null;
  readonly creditsWrittenOffMicro: number | null;
  readonly totalMs: number;
  readonly firstByteMs: number | null;
}

type RollupKey = readonly (string | number)[];

/** The value of each dimension of a record as rollups store it: '' for a site, jurisdiction or code it had not. */
function dimensionValues(record: RecordRow): Readonly<Record<RollupDimension, string | number>> {
  return {
    organization: record.organizationId,
    project: record.projectId,
    key: record.apiKeyId,
    model: record.modelId,
    site: record.siteId ?? '',
    jurisdiction: record.jurisdiction ?? '',
    status: record.status,
    outcome: record.outcome,
    errorCode: record.errorCode ?? '',
  };
}

/** Each level's dimensions in key order, with whether the level keeps it; '' (or status 0) where it does not. */
const levelKeys = rollupLevels.map((level) => ({
  name: level.name,
  keeps: keyDimensions.map((d) => level.keeps.includes(d)),
}));

function upsertText(rowCount: number, placeholder: (n: number) => string): string {
  const columns = [...rollupKeyColumns, ...rollupSumColumns];
  let n = 0;
  const row = (): string => `(${columns.map(() => placeholder(++n)).join(', ')})`;
  const updates = rollupSumColumns.map((c) => `${c} = usage_rollups.${c} + excluded.${c}`).join(', ');
  return (
    `insert into usage_rollups (${columns.join(', ')}) values ${Array.from({ length: rowCount }, row).join(', ')} ` +
    `on conflict (${rollupKeyColumns.join(', ')}) do update set ${updates}`
  );
}

/**
 * Keeps `usage_rollups` up to date by following `usage_records.seq`, off the request path:
 * each step reads the records after its cursor, adds them to their hour's and day's sums,
 * and moves the cursor, all in one transaction of the writer. A crash before COMMIT loses
 * the step whole, a crash after it loses nothing, so no record is counted twice or never;
 * after a restart the next step goes on from the cursor. `seq` follows commit order
 * (`WriteTransaction.lockAppendOrder`), so no record can commit behind the cursor.
 */
export class UsageRollupFollower {
  readonly #writer: GroupCommitWriter;
  readonly #options: UsageRollupFollowerOptions;
  readonly #upserts = new Map<number, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(writer: GroupCommitWriter, options: UsageRollupFollowerOptions) {
    this.#writer = writer;
    this.#options = options;
  }

  /** Adds in every record committed before the call, in steps; resolves with how many it added. */
  catchUp(): Promise<number> {
    const result = this.#running.then(async () => {
      let total = 0;
      // Each step takes at least one record or ends the loop, and records committed meanwhile are bounded by the writer.
      for (;;) {
        const added = await this.#writer.submit((tx) => this.step(tx));
        total += added;
        if (added < this.#options.recordsPerStepMax) return total;
      }
    });
    this.#running = result.catch(() => undefined);
    return result;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.catchUp().catch(this.#options.onError), this.#options.intervalMs);
    // Housekeeping must not keep a stopping process alive; the next start catches up.
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * One step in `tx`: adds in up to `recordsPerStepMax` records after the cursor and moves
   * it past them; resolves with how many. Public so that a test can roll a step back.
   */
  async step(tx: WriteTransaction): Promise<number> {
    const after = await this.#lockCursor(tx);
    const records = await tx.db
      .selectFrom('usageRecords')
      .select([
        'seq',
        'createdAt',
        'organizationId',
        'projectId',
        'apiKeyId',
        'modelId',
        'siteId',
        'jurisdiction',
        'status',
        'outcome',
        'errorCode',
        'promptTokens',
        'completionTokens',
        'creditsPricedMicro',
        'creditsChargedMicro',
        'creditsWrittenOffMicro',
        'totalMs',
        'firstByteMs',
      ])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(this.#options.recordsPerStepMax)
      .execute();
    if (records.length === 0) return 0;
    await this.#upsert(tx, aggregate(records));
    await tx.db
      .updateTable('usageRollupCursor')
      .set({ seq: Number(records.at(-1)!.seq) })
      .where('name', '=', cursorName)
      .execute();
    return records.length;
  }

  /**
   * The cursor, locked for this transaction on PostgreSQL, where replicas share it: a second
   * replica's step waits, then reads the moved cursor, so two never add the same records.
   */
  async #lockCursor(tx: WriteTransaction): Promise<number> {
    await tx.db
      .insertInto('usageRollupCursor')
      .values({ name: cursorName, seq: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const query = tx.db.selectFrom('usageRollupCursor').select('seq').where('name', '=', cursorName);
    const row = await (tx.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirstOrThrow();
    return Number(row.seq);
  }

  async #upsert(tx: WriteTransaction, sums: Map<string, { key: RollupKey; sums: RollupSums }>): Promise<void> {
    const rows = [...sums.values()];
    for (let at = 0; at < rows.length; at += rowsPerUpsertMax) {
      const chunk = rows.slice(at, at + rowsPerUpsertMax);
      await tx.db.executeQuery(
        CompiledQuery.raw(
          this.#upsertText(tx, chunk.length),
          chunk.flatMap((row) => [...row.key, ...row.sums]),
        ),
      );
    }
  }

  #upsertText(tx: WriteTransaction, rowCount: number): string {
    let text = this.#upserts.get(rowCount);
    if (text === undefined) {
      text = upsertText(rowCount, tx.dialect === 'postgres' ? (n) => `$${n}` : () => '?');
      this.#upserts.set(rowCount, text);
    }
    return text;
  }
}

function aggregate(records: readonly RecordRow[]): Map<string, { key: RollupKey; sums: RollupSums }> {
  const byKey = new Map<string, { key: RollupKey; sums: RollupSums }>();
  for (const record of records) {
    const values = dimensionValues(record);
    const buckets: readonly [string, string][] = [
      ['hour', `${record.createdAt.slice(0, 13)}:00:00.000Z`],
      ['day', `${record.createdAt.slice(0, 10)}T00:00:00.000Z`],
    ];
    for (const [granularity, bucketStart] of buckets)
      for (const level of levelKeys) {
        const key: RollupKey = [
          `${granularity}:${level.name}`,
          bucketStart,
          ...keyDimensions.map((d, i) => (level.keeps[i] ? values[d] : d === 'status' ? 0 : '')),
        ];
        const id = key.join('\u0000');
        let entry = byKey.get(id);
        if (entry === undefined) {
          entry = { key, sums: emptySums() };
          byKey.set(id, entry);
        }
        addRecord(entry.sums, record);
      }
  }
  return byKey;
}
