import assert from 'node:assert/strict';
import { usageRecord } from '../../test/helpers/usage-input.js';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { writeOnce } from '../../test/helpers/write-once.js';
import { GroupCommitWriter, type Store } from '../store/index.js';
import { latencyBucketBoundsMs } from './latency-histogram.js';
import type { UsageRecord } from './usage-record.js';
import { UsageRepository } from './usage-repository.js';
import { UsageRollupFollower } from './usage-rollup-follower.js';
import { rollupDimensions } from './usage-rollup-dimensions.js';
import { type RollupGranularity, toFigures, UsageRollupReader } from './usage-rollup-reader.js';

/** A small deterministic generator (mulberry32), so that a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRecords(count: number, seed: number): UsageRecord[] {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const startMs = Date.parse('2026-03-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, i) => {
    const served = next() < 0.85;
    const metered = next() < 0.7;
    const priced = Math.floor(next() * 5000);
    const charged = Math.floor(next() * priced);
    const rejected = !served;
    return usageRecord(`req_${seed}_${i}`, new Date(startMs + Math.floor(next() * 3 * 86_400_000)).toISOString(), {
      organizationId: pick(['org_a', 'org_b', 'org_c']),
      projectId: pick(['p1', 'p2']),
      apiKeyId: pick(['k1', 'k2']),
      modelId: pick(['m1', 'm2', 'm3']),
      siteId: served ? pick(['fra-1', 'par-1']) : null,
      jurisdiction: served ? pick(['DE', 'FR']) : null,
      deploymentId: served ? 'dep' : null,
      status: rejected ? 403 : pick([200, 200, 200, 502]),
      outcome: rejected ? 'rejected' : pick(['success', 'success', 'upstream_error', 'client_aborted']),
      errorCode: rejected ? 'policy_denied' : null,
      promptTokens: Math.floor(next() * 1000),
      completionTokens: Math.floor(next() * 1000),
      totalMs: Math.floor(next() ** 3 * 90_000),
      firstByteMs: served && next() < 0.8 ? Math.floor(next() ** 2 * 8000) : null,
      creditsPricedMicro: metered ? priced : null,
      creditsChargedMicro: metered ? charged : null,
      creditsWrittenOffMicro: metered ? priced - charged : null,
    });
  });
}

async function writeRecords(store: Store, records: readonly UsageRecord[]): Promise<void> {
  const repository = new UsageRepository(store);
  for (let at = 0; at < records.length; at += 100) {
    await writeOnce(store, async (tx) => {
      for (const record of records.slice(at, at + 100)) await repository.record(tx, record);
    });
  }
}

const dimensionNames = Object.keys(rollupDimensions) as (keyof typeof rollupDimensions)[];

/** The bucket of a record by date arithmetic, independent of the follower's string slicing. */
function bucketOf(createdAt: string, granularity: RollupGranularity): string {
  const unitMs = granularity === 'hour' ? 3_600_000 : 86_400_000;
  const ms = Date.parse(createdAt);
  return new Date(ms - (ms % unitMs)).toISOString();
}

function dimensionValue(record: UsageRecord, dimension: (typeof dimensionNames)[number]): string | number {
  const values = {
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
  return values[dimension];
}

/** The oracle: each group's figures computed straight from its records, with exact sorted percentiles. */
function oracle(records: readonly UsageRecord[], granularity: RollupGranularity) {
  const groups = new Map<string, UsageRecord[]>();
  for (const record of records) {
    const key = JSON.stringify([
      bucketOf(record.createdAt, granularity),
      ...dimensionNames.map((d) => dimensionValue(record, d)),
    ]);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return groups;
}

function exactQuantile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1]!;
}

/** The estimate must be the upper bound of the bucket the exact value falls in. */
function assertBracketed(estimate: number | null, exact: number | null, what: string): void {
  if (exact === null) return assert.equal(estimate, null, what);
  const upper = latencyBucketBoundsMs.find((bound) => exact < bound) ?? latencyBucketBoundsMs.at(-1)!;
  assert.equal(estimate, upper, `${what}: exact ${exact}`);
}

async function assertRollupsMatch(store: Store, records: readonly UsageRecord[]): Promise<void> {
  const reader = new UsageRollupReader(store);
  for (const granularity of ['hour', 'day'] as const) {
    const range = { granularity, from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' };
    const rows = await reader.groups(range, {}, ['bucket', ...dimensionNames]);
    const expected = oracle(records, granularity);
    assert.equal(rows.length, expected.size, `${granularity}: one rollup row per group of records`);
    for (const row of rows) {
      const group = expected.get(JSON.stringify(row.keys));
      assert.ok(group !== undefined, `${granularity}: a row for no records: ${JSON.stringify(row.keys)}`);
      const figures = toFigures(row);
      const sum = (f: (r: UsageRecord) => number | null) => group.reduce((s, r) => s + (f(r) ?? 0), 0);
      assert.deepEqual(
        {
          requests: figures.requests,
          errors: figures.errors,
          promptTokens: figures.promptTokens,
          completionTokens: figures.completionTokens,
          creditsPricedMicro: figures.creditsPricedMicro,
          creditsChargedMicro: figures.creditsChargedMicro,
          creditsWrittenOffMicro: figures.creditsWrittenOffMicro,
        },
        {
          requests: group.length,
          errors: group.filter((r) => r.outcome !== 'success').length,
          promptTokens: sum((r) => r.promptTokens),
          completionTokens: sum((r) => r.completionTokens),
          creditsPricedMicro: sum((r) => r.creditsPricedMicro),
          creditsChargedMicro: sum((r) => r.creditsChargedMicro),
          creditsWrittenOffMicro: sum((r) => r.creditsWrittenOffMicro),
        },
      );
    }
    // Every level: grouped by each dimension alone, by an organization and a dimension, filtered by a value.
    for (const dimension of dimensionNames) {
      for (const [groupBy, filter] of [
        [['bucket', dimension], {}],
        [['bucket', 'organization', dimension], {}],
        [['bucket'], { [dimension]: dimensionValue(records[0]!, dimension) }],
      ] as const) {
        const got = await reader.groups(range, filter, groupBy);
        const want = new Map<string, number>();
        for (const record of records) {
          if (Object.entries(filter).some(([d, v]) => dimensionValue(record, d as typeof dimension) !== v)) continue;
          const key = JSON.stringify(
            groupBy.map((g) => (g === 'bucket' ? bucketOf(record.createdAt, granularity) : dimensionValue(record, g))),
          );
          want.set(key, (want.get(key) ?? 0) + 1);
        }
        const label = `${granularity} ${groupBy.join(',')} ${JSON.stringify(filter)}`;
        assert.deepEqual(new Map(got.map((row) => [JSON.stringify(row.keys), row.sums[0]])), want, label);
      }
    }
    // Percentiles of merged buckets: a whole day per model, across every other dimension.
    const byModel = await reader.groups(range, {}, ['bucket', 'model']);
    for (const row of byModel) {
      const group = records.filter(
        (r) => bucketOf(r.createdAt, granularity) === row.keys[0] && r.modelId === row.keys[1],
      );
      const figures = toFigures(row);
      assert.equal(figures.requests, group.length, 'the rows without projects and keys sum the same records');
      assert.equal(
        figures.creditsChargedMicro,
        group.reduce((sum, r) => sum + (r.creditsChargedMicro ?? 0), 0),
      );
      const latencies = group.map((r) => r.totalMs);
      const firstBytes = group.flatMap((r) => (r.firstByteMs === null ? [] : [r.firstByteMs]));
      assertBracketed(figures.latencyP50Ms, exactQuantile(latencies, 0.5), 'latency p50');
      assertBracketed(figures.latencyP99Ms, exactQuantile(latencies, 0.99), 'latency p99');
      assertBracketed(figures.firstByteP50Ms, exactQuantile(firstBytes, 0.5), 'first byte p50');
      assertBracketed(figures.firstByteP99Ms, exactQuantile(firstBytes, 0.99), 'first byte p99');
    }
  }
}

const followerOptions = { intervalMs: 60_000, recordsPerStepMax: 37, onError: () => undefined };

testOnEachStore('rollups equal a direct aggregation of random records', async (_t, store) => {
  const records = randomRecords(600, 7);
  await writeRecords(store, records);
  const writer = new GroupCommitWriter(store);
  try {
    const follower = new UsageRollupFollower(writer, followerOptions);
    assert.equal(await follower.catchUp(), records.length);
    assert.equal(await follower.catchUp(), 0, 'a second catch-up adds nothing');
    await assertRollupsMatch(store, records);
  } finally {
    await writer.close();
  }
});

testOnEachStore('a step rolled back and a restart count every record exactly once', async (_t, store) => {
  const records = randomRecords(400, 11);
  await writeRecords(store, records.slice(0, 250));
  let writer = new GroupCommitWriter(store);
  let follower = new UsageRollupFollower(writer, followerOptions);
  // Two steps commit, then a step dies before COMMIT, as in a crash: its sums and cursor go together.
  await writer.submit((tx) => follower.step(tx));
  await writer.submit((tx) => follower.step(tx));
  await assert.rejects(
    writeOnce(store, async (tx) => {
      assert.equal(await follower.step(tx), followerOptions.recordsPerStepMax);
      throw new Error('killed before COMMIT');
    }),
    /killed before COMMIT/,
  );
  await writer.close();
  // A new process: new writer, new follower, more records written meanwhile.
  await writeRecords(store, records.slice(250));
  writer = new GroupCommitWriter(store);
  follower = new UsageRollupFollower(writer, followerOptions);
  try {
    assert.equal(await follower.catchUp(), records.length - 2 * followerOptions.recordsPerStepMax);
    await assertRollupsMatch(store, records);
  } finally {
    await writer.close();
  }
});
