import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usageInput } from '../../test/helpers/usage-input.js';
import { newUsageRecord } from './new-usage-record.js';

test('a usage record is stamped with the time it was made', () => {
  const before = new Date().toISOString();
  const { createdAt, ...rest } = newUsageRecord(usageInput('req_1'));
  assert.deepEqual(rest, { object: 'usage_record', ...usageInput('req_1'), policyVersion: null });
  assert.ok(createdAt >= before && createdAt <= new Date().toISOString());
});

test('counts that are not non-negative integers, and credits that do not add up, are refused', () => {
  const credits = { creditsPricedMicro: 10, creditsChargedMicro: 7, creditsWrittenOffMicro: 3 };
  assert.equal(newUsageRecord(usageInput('req_ok', credits)).creditsWrittenOffMicro, 3);
  for (const fields of [
    { promptTokens: -1 },
    { completionTokens: 1.5 },
    { jurisdiction: 'France' },
    { policyVersion: -2 },
    { ...credits, creditsWrittenOffMicro: 2 },
    { ...credits, creditsChargedMicro: null },
    { creditsChargedMicro: 0 },
  ]) {
    assert.throws(() => newUsageRecord(usageInput('req_bad', fields)), TypeError, JSON.stringify(fields));
  }
});
