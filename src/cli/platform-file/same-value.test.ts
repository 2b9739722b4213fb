import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameValue } from './same-value.js';

test('values compare deeply, without regard to key order, null and absent alike', () => {
  assert.ok(sameValue({ a: 1, b: [{ c: 'x' }] }, { b: [{ c: 'x' }], a: 1 }));
  assert.ok(sameValue({ a: null }, {}));
  assert.ok(!sameValue({ a: 1 }, { a: 2 }));
  assert.ok(!sameValue([1, 2], [2, 1]), 'order matters in lists');
  assert.ok(!sameValue([], null));
  assert.ok(!sameValue('1', 1));
});

test('instants compare as instants', () => {
  assert.ok(sameValue('2027-01-01T00:00Z', '2027-01-01T00:00:00.000Z'));
  assert.ok(sameValue('2027-01-01T01:00:00+01:00', '2027-01-01T00:00:00.000Z'));
  assert.ok(!sameValue('2027-01-01T00:00Z', '2027-01-02T00:00:00.000Z'));
});
