import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { CountedHistogram } from './counted-histogram.js';

const buckets = [0.005, 0.01, 0.1, 1, 2.5];

/** The registry's text with the metric's name replaced, so that two registries' texts compare. */
async function textOf(registry: Registry, name: string): Promise<string> {
  return (await registry.metrics()).replaceAll(name, 'metric');
}

test("a counted histogram writes what prom-client's own histogram writes for the same observations", async () => {
  const oracle = new Registry();
  const counted = new Registry();
  const expected = new Histogram({
    name: 'oracle',
    help: 'h',
    labelNames: ['model', 'kind'],
    buckets,
    registers: [oracle],
  });
  const actual = new CountedHistogram({
    name: 'counted',
    help: 'h',
    labelNames: ['model', 'kind'],
    buckets,
    registers: [counted],
  });
  // The bounds themselves (a value equal to a bound is in its bucket), values beyond them, and zero.
  const values = [
    0,
    0.005,
    0.0050001,
    0.01,
    0.5,
    1,
    2.5,
    2.6,
    1000,
    ...Array.from({ length: 200 }, (_, i) => ((i * 37) % 3001) / 1000),
  ];
  for (const [index, value] of values.entries()) {
    const labels = index % 3 === 0 ? ['m1', 'a'] : ['m2', 'b'];
    expected.labels(...labels).observe(value);
    actual.series(...labels).observe(value);
  }
  assert.equal(await textOf(counted, 'counted'), await textOf(oracle, 'oracle'));
});

test('a series is taken once per label set; an unlabelled histogram is written before its first observation', async () => {
  const registry = new Registry();
  const labelled = new CountedHistogram({
    name: 'labelled',
    help: 'h',
    labelNames: ['a'],
    buckets,
    registers: [registry],
  });
  assert.equal(labelled.series('x'), labelled.series('x'));
  assert.throws(() => labelled.series('x', 'y'), /1 label values expected, 2 given/);
  new CountedHistogram({ name: 'plain', help: 'h', buckets, registers: [registry] }).series();
  const text = await registry.metrics();
  assert.doesNotMatch(text, /^labelled_/m, 'a series never observed is left out');
  assert.match(text, /^plain_count 0$/m);
  assert.match(text, /^plain_bucket\{le="\+Inf"\} 0$/m);
});
