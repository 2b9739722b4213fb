import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import type { UsageRecord } from '../metering/index.js';
import { usageEndpoints, usageOutcomes } from '../metering/usage-record.js';
import { canonicalJson } from './canonical-json.js';
import { type ReceiptFacts, receiptText, toReceipt } from './receipt.js';

/** Any text, quotes, controls, astral characters and lone surrogates included. */
const text = fc.string({ unit: 'binary' });
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const records: fc.Arbitrary<UsageRecord> = fc.record({
  object: fc.constant('usage_record' as const),
  id: text,
  createdAt: text,
  organizationId: text,
  projectId: text,
  apiKeyId: text,
  modelId: text,
  endpoint: fc.constantFrom(...usageEndpoints),
  deploymentId: fc.option(text),
  siteId: fc.option(text),
  jurisdiction: fc.option(text),
  firstByteMs: fc.option(count),
  totalMs: count,
  status: fc.integer({ min: 100, max: 599 }),
  outcome: fc.constantFrom(...usageOutcomes),
  errorCode: fc.option(text),
  streamed: fc.boolean(),
  policyVersion: fc.option(count),
  promptTokens: count,
  completionTokens: count,
  totalTokens: count,
  usageEstimated: fc.boolean(),
  creditsPricedMicro: fc.option(count),
  creditsChargedMicro: fc.option(count),
  creditsWrittenOffMicro: fc.option(count),
});

const facts: fc.Arbitrary<ReceiptFacts> = fc.record({
  requestSha256: text,
  responseSha256: fc.option(text),
  engineKind: fc.option(text),
  modelSha256: fc.option(text),
  accelerators: fc.array(fc.record({ vendor: text, type: text }), { maxLength: 3 }),
  creditsChargedMicro: fc.option(count),
});

describe('receiptText', () => {
  it('is the canonical JSON of the receipt, whatever its fields hold', () => {
    fc.assert(
      fc.property(records, facts, (record, receiptFacts) => {
        const receipt = toReceipt(record, receiptFacts);
        assert.equal(receiptText(receipt), canonicalJson(receipt));
      }),
      { numRuns: 500 },
    );
  });
});
