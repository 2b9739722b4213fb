import { type UsageInput, type UsageRecord, unmetered } from '../../src/metering/index.js';

/**
 * A valid usage input for request `id`: a successful, streamed chat completion of
 * 10 + 20 tokens. Tests that assert on a value pass it in `fields`, or rely on these
 * defaults only where their totals say so.
 */
export function usageInput(id: string, fields: Partial<UsageInput> = {}): UsageInput {
  return {
    id,
    organizationId: 'org_a',
    projectId: 'prj_a',
    apiKeyId: 'key_a',
    modelId: 'qwen3-8b',
    endpoint: 'chat.completions',
    deploymentId: 'dep_1',
    siteId: 'fra-1',
    jurisdiction: 'DE',
    promptTokens: 10,
    completionTokens: 20,
    totalTokens: 30,
    usageEstimated: false,
    firstByteMs: 80,
    totalMs: 900,
    status: 200,
    outcome: 'success',
    errorCode: null,
    streamed: true,
    ...unmetered,
    ...fields,
  };
}

/** The record a store holds for `usageInput(id, fields)` when it was written at `createdAt`. */
export function usageRecord(id: string, createdAt: string, fields: Partial<UsageInput> = {}): UsageRecord {
  return { object: 'usage_record', policyVersion: null, ...usageInput(id, fields), createdAt };
}
