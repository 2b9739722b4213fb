import { nowIso } from '../store/index.js';
import { usageEndpoints, usageOutcomes, type UsageRecord } from './usage-record.js';

/**
 * What the gateway reports about a finished request; metering stamps the time. The
 * policy version may be left out (it is then null), for callers that decide no policy.
 */
export type UsageInput = Omit<UsageRecord, 'object' | 'createdAt' | 'policyVersion'> & {
  readonly policyVersion?: number | null | undefined;
};

const countFields = ['promptTokens', 'completionTokens', 'totalTokens', 'totalMs'] as const;
const creditFields = ['creditsPricedMicro', 'creditsChargedMicro', 'creditsWrittenOffMicro'] as const;
const jurisdictionCode = /^[A-Z]{2}$/;

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Token counts come from model servers, which can send anything; a negative or fractional
 * count would corrupt every total billed from it, so it is refused before it can join a
 * shared transaction.
 */
function checkUsage(usage: UsageInput): void {
  const bad = (field: string, value: unknown): TypeError =>
    new TypeError(`usage record ${usage.id}: invalid ${field} ${String(value)}`);
  for (const field of countFields) if (!isCount(usage[field])) throw bad(field, usage[field]);
  if (usage.firstByteMs !== null && !isCount(usage.firstByteMs)) throw bad('firstByteMs', usage.firstByteMs);
  if (!Number.isInteger(usage.status) || usage.status < 100 || usage.status > 599) throw bad('status', usage.status);
  if (!usageEndpoints.includes(usage.endpoint)) throw bad('endpoint', usage.endpoint);
  if (!usageOutcomes.includes(usage.outcome)) throw bad('outcome', usage.outcome);
  if (usage.jurisdiction !== null && !jurisdictionCode.test(usage.jurisdiction))
    throw bad('jurisdiction', usage.jurisdiction);
  if (usage.policyVersion != null && !isCount(usage.policyVersion)) throw bad('policyVersion', usage.policyVersion);
  const metered = usage.creditsPricedMicro !== null;
  for (const field of creditFields) {
    const value = usage[field];
    if (metered ? value === null || !isCount(value) : value !== null) throw bad(field, value);
  }
  if (metered && usage.creditsPricedMicro !== usage.creditsChargedMicro! + usage.creditsWrittenOffMicro!) {
    throw bad(
      'credits',
      `${usage.creditsPricedMicro} priced != ${usage.creditsChargedMicro} charged + ${usage.creditsWrittenOffMicro} written off`,
    );
  }
}

/**
 * The usage record of a finished request, checked and stamped with the time it ended, so
 * records are written in nearly the order of their `createdAt`. It is stamped once, before
 * its transaction, so that a retried transaction writes the same record.
 */
export function newUsageRecord(usage: UsageInput): UsageRecord {
  checkUsage(usage);
  return { object: 'usage_record', ...usage, policyVersion: usage.policyVersion ?? null, createdAt: nowIso() };
}
