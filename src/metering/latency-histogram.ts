/**
 * Upper bounds, in milliseconds, of the buckets that rollups count latencies and times to
 * first token in; a last bucket takes everything from 60 s up. Fixed bounds let buckets of
 * any hours, organizations or models be added together, and a percentile of the sum is
 * then exact to within one bucket: the ratio between neighbouring bounds is at most 2.5
 * (1.5 from 100 ms to 3 s, where most answers fall). docs/console-data.md explains the choice.
 */
export const latencyBucketBoundsMs: readonly number[] = Object.freeze([
  5, 10, 25, 50, 75, 100, 150, 200, 300, 450, 700, 1000, 1500, 2000, 3000, 5000, 10_000, 20_000, 60_000,
]);

/** How many buckets a histogram has: one per bound and one for what is above the last. */
export const latencyBucketCount = latencyBucketBoundsMs.length + 1;

/** The bucket a duration falls in: the first whose bound is above it, or the last. */
export function latencyBucketOf(durationMs: number): number {
  let bucket = 0;
  while (bucket < latencyBucketBoundsMs.length && durationMs >= latencyBucketBoundsMs[bucket]!) bucket += 1;
  return bucket;
}

/**
 * The `fraction` quantile (0.5 for the median) of the durations counted in `counts`, by
 * nearest rank: the upper bound of the bucket holding the rank-th smallest duration, so
 * the true quantile is never above it. The last bucket has no upper bound and answers its
 * lower one. Null when nothing was counted.
 */
export function latencyQuantileMs(counts: readonly number[], fraction: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (let bucket = 0; bucket < counts.length; bucket += 1) {
    seen += counts[bucket]!;
    if (seen >= rank) return latencyBucketBoundsMs[bucket] ?? latencyBucketBoundsMs.at(-1)!;
  }
  return latencyBucketBoundsMs.at(-1)!;
}
