/** The periods a chart can show, with the rollup bucket that suits each (hourly rollups for up to a week). */
export const timeRanges = {
  '24h': { label: 'last 24 hours', hours: 24, bucket: 'hour' },
  '7d': { label: 'last 7 days', hours: 7 * 24, bucket: 'hour' },
  '30d': { label: 'last 30 days', hours: 30 * 24, bucket: 'day' },
  '90d': { label: 'last 90 days', hours: 90 * 24, bucket: 'day' },
} as const;

export type TimeRange = keyof typeof timeRanges;

export function isTimeRange(value: unknown): value is TimeRange {
  return typeof value === 'string' && Object.hasOwn(timeRanges, value);
}

const hourMs = 3_600_000;

/**
 * The query's `from` and `to` for a range ending now. `to` is rounded up to the next hour,
 * so that the same URL opened twice within an hour asks the server the same question.
 */
export function rangeBounds(range: TimeRange): { from: string; to: string; bucket: 'hour' | 'day' } {
  const { hours, bucket } = timeRanges[range];
  const to = Math.ceil(Date.now() / hourMs) * hourMs;
  return { from: new Date(to - hours * hourMs).toISOString(), to: new Date(to).toISOString(), bucket };
}
