import { type RawBuilder, sql } from 'kysely';
import type { Store } from '../store/index.js';
import { latencyBucketCount, latencyQuantileMs } from './latency-histogram.js';
import { levelFor } from './rollup-levels.js';
import { emptySums, type RollupSums, rollupSumColumns, sumIndex } from './rollup-sums.js';
import { type RollupDimension, rollupDimensions } from './usage-rollup-dimensions.js';

export type RollupGranularity = 'hour' | 'day';

/** Only rows whose dimensions equal these; a site, jurisdiction or error code a record had not is ''. */
export type RollupFilter = { readonly [D in RollupDimension]?: D extends 'status' ? number : string };

/** Buckets starting at or after `from` and before `to`, both on a bucket's boundary. */
export interface RollupRange {
  readonly granularity: RollupGranularity;
  readonly from: string;
  readonly to: string;
}

/** One group's sums: `keys` holds the value of each grouped dimension (and `bucket` its start), in order. */
export interface RollupGroup {
  readonly keys: readonly (string | number)[];
  readonly sums: RollupSums;
}

/** Sums of a group as the admin API shows them, with latencies estimated from their histograms. */
export interface RollupFigures {
  readonly requests: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly creditsPricedMicro: number;
  readonly creditsChargedMicro: number;
  readonly creditsWrittenOffMicro: number;
  readonly latencyMsMean: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly firstByteP50Ms: number | null;
  readonly firstByteP99Ms: number | null;
}

export interface GroupOptions {
  /** Keep the `limit` groups with the most requests; otherwise every group, ordered by key. */
  readonly top?: number | undefined;
  /** Only requests that reached a site. */
  readonly served?: boolean | undefined;
  /** Only rows whose `dimension` is one of `values`. */
  readonly only?: { readonly dimension: RollupDimension; readonly values: readonly (string | number)[] } | undefined;
}

export function toFigures(group: { readonly sums: RollupSums }): RollupFigures {
  const { sums } = group;
  const latency = sums.slice(sumIndex.latencyHistogram, sumIndex.latencyHistogram + latencyBucketCount);
  const firstByte = sums.slice(sumIndex.firstByteHistogram, sumIndex.firstByteHistogram + latencyBucketCount);
  const requests = sums[sumIndex.requests]!;
  return {
    requests,
    errors: sums[sumIndex.errors]!,
    promptTokens: sums[sumIndex.promptTokens]!,
    completionTokens: sums[sumIndex.completionTokens]!,
    creditsPricedMicro: sums[sumIndex.creditsPricedMicro]!,
    creditsChargedMicro: sums[sumIndex.creditsChargedMicro]!,
    creditsWrittenOffMicro: sums[sumIndex.creditsWrittenOffMicro]!,
    latencyMsMean: requests === 0 ? null : Math.round(sums[sumIndex.latencyMsSum]! / requests),
    latencyP50Ms: latencyQuantileMs(latency, 0.5),
    latencyP99Ms: latencyQuantileMs(latency, 0.99),
    firstByteP50Ms: latencyQuantileMs(firstByte, 0.5),
    firstByteP99Ms: latencyQuantileMs(firstByte, 0.99),
  };
}

/** Adds `group` into `into`, which is changed. */
export function addGroup(into: { sums: RollupSums }, group: { readonly sums: RollupSums }): void {
  for (let i = 0; i < into.sums.length; i += 1) into.sums[i]! += group.sums[i]!;
}

export function emptyGroup(): { sums: RollupSums } {
  return { sums: emptySums() };
}

type Grouping = 'bucket' | RollupDimension;

const columnOf = (grouping: Grouping): string => (grouping === 'bucket' ? 'bucket_start' : rollupDimensions[grouping]);

/** The dimensions a query filters or groups by, which the level it reads must keep. */
function dimensionsOf(filter: RollupFilter, groupBy: readonly Grouping[], options: GroupOptions): Set<RollupDimension> {
  const needed = new Set<RollupDimension>();
  for (const [dimension, value] of Object.entries(filter)) {
    if (value !== undefined) needed.add(dimension as RollupDimension);
  }
  for (const grouping of groupBy) if (grouping !== 'bucket') needed.add(grouping);
  if (options.served === true) needed.add('site');
  if (options.only !== undefined) needed.add(options.only.dimension);
  return needed;
}

/**
 * Reads the rollups that `UsageRollupFollower` keeps: sums over a period, grouped by any of
 * their dimensions and by bucket, in one query each. The console's charts read only these,
 * never the records, so a page costs the same whatever the number of requests.
 */
export class UsageRollupReader {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The sums of `range` matching `filter`, one per combination of `groupBy`'s values. */
  async groups(
    range: RollupRange,
    filter: RollupFilter,
    groupBy: readonly Grouping[],
    options: GroupOptions = {},
  ): Promise<RollupGroup[]> {
    const level = `${range.granularity}:${levelFor(dimensionsOf(filter, groupBy, options))}`;
    const keys = groupBy.map((g, i) => sql`${sql.raw(columnOf(g))} as ${sql.raw(`k${i}`)}`);
    const sums = rollupSumColumns.map((c, i) => sql`sum(${sql.raw(c)}) as ${sql.raw(`s${i}`)}`);
    const conditions: RawBuilder<unknown>[] = [
      sql`granularity = ${level}`,
      sql`bucket_start >= ${range.from}`,
      sql`bucket_start < ${range.to}`,
    ];
    for (const [dimension, value] of Object.entries(filter)) {
      if (value !== undefined)
        conditions.push(sql`${sql.raw(rollupDimensions[dimension as RollupDimension])} = ${value}`);
    }
    if (options.served === true) conditions.push(sql`site_id <> ''`);
    if (options.only !== undefined) {
      const values = options.only.values.length === 0 ? [null] : options.only.values;
      conditions.push(sql`${sql.raw(rollupDimensions[options.only.dimension])} in (${sql.join(values)})`);
    }
    const groupColumns = groupBy.map((g) => sql.raw(columnOf(g)));
    const grouped = groupBy.length === 0 ? sql`` : sql` group by ${sql.join(groupColumns)}`;
    const ordered =
      options.top !== undefined
        ? sql` order by sum(requests) desc, ${sql.join(groupColumns)} limit ${options.top}`
        : groupBy.length === 0
          ? sql``
          : sql` order by ${sql.join(groupColumns)}`;
    const query = sql<Record<string, unknown>>`select ${sql.join([...keys, ...sums])} from usage_rollups
      where ${sql.join(conditions, sql` and `)}${grouped}${ordered}`;
    const { rows } = await query.execute(this.#store.db);
    return rows
      .filter((row) => row.s0 !== null)
      .map((row) => ({
        keys: groupBy.map((g, i) => (g === 'status' ? Number(row[`k${i}`]) : String(row[`k${i}`]))),
        sums: rollupSumColumns.map((_, i) => Number(row[`s${i}`])),
      }));
  }

  /**
   * Requests refused before admission, which have no record and so are in no rollup, by
   * error code, for buckets of hours from `from` to `to`.
   */
  async denials(from: string, to: string, organizationId: string | undefined): Promise<Map<string, number>> {
    let query = this.#store.db
      .selectFrom('usageDenials')
      .select((eb) => ['errorCode', eb.fn.sum<string | number>('requests').as('requests')])
      .where('bucketStart', '>=', from)
      .where('bucketStart', '<', to)
      .groupBy('errorCode');
    if (organizationId !== undefined) query = query.where('organizationId', '=', organizationId);
    const rows = await query.execute();
    return new Map(rows.map((row) => [row.errorCode, Number(row.requests)]));
  }
}
