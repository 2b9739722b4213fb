import {
  addGroup,
  emptyGroup,
  type RollupDimension,
  type RollupFigures,
  type RollupFilter,
  type RollupGroup,
  type RollupRange,
  type UsageRollupReader,
  toFigures,
} from '../../metering/index.js';

export interface SeriesPoint extends RollupFigures {
  readonly bucketStart: string;
  /** The group's value; null for the sum of the groups beyond the top ones (or of everything, ungrouped). */
  readonly key: string | number | null;
}

export interface UsageSeries {
  readonly groups: readonly (RollupFigures & { readonly key: string | number | null })[];
  readonly points: readonly SeriesPoint[];
}

function subtract(from: RollupGroup, part: { sums: number[] }): RollupGroup {
  return { keys: from.keys, sums: from.sums.map((n, i) => n - part.sums[i]!) };
}

/**
 * A chart's data in three bounded queries, whatever the number of groups: the top
 * `groupsMax` groups of the period, their buckets, and every bucket's total, from which
 * the rest is one "other" series (histograms are counts, so they subtract exactly).
 */
export async function usageSeries(
  rollups: UsageRollupReader,
  range: RollupRange,
  filter: RollupFilter,
  groupBy: RollupDimension | undefined,
  groupsMax: number,
): Promise<UsageSeries> {
  const totals = await rollups.groups(range, filter, ['bucket']);
  if (groupBy === undefined) {
    const points = totals.map((row) => ({ bucketStart: String(row.keys[0]), key: null, ...toFigures(row) }));
    const all = emptyGroup();
    for (const row of totals) addGroup(all, row);
    return { groups: [{ key: null, ...toFigures(all) }], points };
  }
  const top = await rollups.groups(range, filter, [groupBy], { top: groupsMax });
  const keys = top.map((row) => row.keys[0]!);
  const rows = await rollups.groups(range, filter, ['bucket', groupBy], { only: { dimension: groupBy, values: keys } });
  const inTop = new Map<string, { sums: number[] }>();
  const points: SeriesPoint[] = [];
  for (const row of rows) {
    const bucketStart = String(row.keys[0]);
    points.push({ bucketStart, key: row.keys[1]!, ...toFigures(row) });
    let sum = inTop.get(bucketStart);
    if (sum === undefined) inTop.set(bucketStart, (sum = emptyGroup()));
    addGroup(sum, row);
  }
  const other = emptyGroup();
  for (const total of totals) {
    const rest = subtract(total, inTop.get(String(total.keys[0])) ?? emptyGroup());
    if (rest.sums[0] === 0) continue;
    points.push({ bucketStart: String(total.keys[0]), key: null, ...toFigures(rest) });
    addGroup(other, rest);
  }
  points.sort((a, b) => (a.bucketStart < b.bucketStart ? -1 : a.bucketStart > b.bucketStart ? 1 : 0));
  const groups: UsageSeries['groups'][number][] = top.map((row) => ({ key: row.keys[0]!, ...toFigures(row) }));
  if (other.sums[0]! > 0) groups.push({ key: null, ...toFigures(other) });
  return { groups, points };
}
