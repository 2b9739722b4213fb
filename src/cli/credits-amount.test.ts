import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCredits, parseCredits } from './credits-amount.js';

test('credits parse to exact micro-credits and format back', () => {
  assert.equal(parseCredits('12.5'), 12_500_000);
  assert.equal(parseCredits('0.000001'), 1);
  assert.equal(parseCredits('1000000'), 1_000_000_000_000);
  assert.throws(() => parseCredits('0.0000001'));
  assert.throws(() => parseCredits('-1'));
  assert.throws(() => parseCredits('1e3'));
  assert.equal(formatCredits(12_500_000), '12.500000');
  assert.equal(formatCredits(-13), '-0.000013');
});
