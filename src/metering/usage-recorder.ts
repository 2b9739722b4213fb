import type { Transaction } from 'kysely';
import { type Database, nowIso } from '../store/index.js';
import type { GroupCommitWriter } from './group-commit-writer.js';
import { usageEndpoints, usageOutcomes, type UsageRecord } from './usage-record.js';
import type { UsageRepository } from './usage-repository.js';

/**
 * What the gateway reports about a finished request; metering stamps the time. The
 * policy version may be left out (it is then null), for callers that decide no policy.
 */
export type UsageInput = Omit<UsageRecord, 'object' | 'createdAt' | 'policyVersion'> & { readonly policyVersion?: number | null | undefined };

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
  const bad = (field: string, value: unknown): TypeError => new TypeError(`usage record ${usage.id}: invalid ${field} ${String(value)}`);
  for (const field of countFields) if (!isCount(usage[field])) throw bad(field, usage[field]);
  if (usage.firstByteMs !== null && !isCount(usage.firstByteMs)) throw bad('firstByteMs', usage.firstByteMs);
  if (!Number.isInteger(usage.status) || usage.status < 100 || usage.status > 599) throw bad('status', usage.status);
  if (!usageEndpoints.includes(usage.endpoint)) throw bad('endpoint', usage.endpoint);
  if (!usageOutcomes.includes(usage.outcome)) throw bad('outcome', usage.outcome);
  if (usage.jurisdiction !== null && !jurisdictionCode.test(usage.jurisdiction)) throw bad('jurisdiction', usage.jurisdiction);
  if (usage.policyVersion != null && !isCount(usage.policyVersion)) throw bad('policyVersion', usage.policyVersion);
  const metered = usage.creditsPricedMicro !== null;
  for (const field of creditFields) {
    const value = usage[field];
    if (metered ? value === null || !isCount(value) : value !== null) throw bad(field, value);
  }
  if (metered && usage.creditsPricedMicro !== usage.creditsChargedMicro! + usage.creditsWrittenOffMicro!) {
    throw bad('credits', `${usage.creditsPricedMicro} priced != ${usage.creditsChargedMicro} charged + ${usage.creditsWrittenOffMicro} written off`);
  }
}

/**
 * A step that settles a finished request in the same transaction as its usage record,
 * such as a ledger posting (the receipt is written by a `ReceiptWriter`, after every
 * step). `context` is what the caller knows about the request beyond its usage (its
 * credit hold, its policy decision, its hashes).
 *
 * A step may return a function to run once the transaction has committed, for state
 * kept in memory (balances): the step itself may run more than once and only
 * the committed run may change anything outside `tx`.
 */
export type SettlementStep<C> = (tx: Transaction<Database>, record: UsageRecord, context: C) => Promise<void | AfterCommit>;

/** Runs after the commit of the settlement that returned it, synchronously, before `recordUsage` resolves. */
export type AfterCommit = () => void;

/**
 * Appends the receipt of a finished request to a log in `tx`, after the settlement steps,
 * and returns its index there. The usage record keeps that index, so that the receipt is
 * found by the record's id through the record's own unique index: the log's table then
 * needs no index of its own, and a commit rewrites one B-tree less. It may run more than
 * once for one request, as a step may.
 */
export type ReceiptWriter<C> = (tx: Transaction<Database>, record: UsageRecord, context: C) => Promise<number>;

/** The gateway's way into metering. */
export class UsageRecorder<C = void> {
  readonly #writer: GroupCommitWriter;
  readonly #usage: UsageRepository;
  readonly #steps: readonly SettlementStep<C>[];
  readonly #receipt: ReceiptWriter<C> | undefined;

  constructor(writer: GroupCommitWriter, usage: UsageRepository, steps: readonly SettlementStep<C>[] = [], receipt?: ReceiptWriter<C>) {
    this.#writer = writer;
    this.#usage = usage;
    this.#steps = steps;
    this.#receipt = receipt;
  }

  /**
   * Resolves once the record, and every settlement step with it, has committed, so the
   * gateway can hold back a response's last byte until its usage is durable. The time
   * is stamped here, at the end of the request, so records are written in nearly the
   * order of their `createdAt`.
   */
  async recordUsage(usage: UsageInput, context: C): Promise<void> {
    checkUsage(usage);
    const record: UsageRecord = { object: 'usage_record', ...usage, policyVersion: usage.policyVersion ?? null, createdAt: nowIso() };
    let afterCommit: AfterCommit[] = [];
    await this.#writer.submit(async (tx) => {
      // A rerun of the job starts over, so only the committed run's callbacks remain.
      afterCommit = [];
      for (const step of this.#steps) {
        const after = await step(tx, record, context);
        if (after !== undefined) afterCommit.push(after);
      }
      // The receipt comes last, so that it can state what the steps settled (the credits charged).
      const receiptLeaf = this.#receipt === undefined ? null : await this.#receipt(tx, record, context);
      await this.#usage.record(tx, record, receiptLeaf);
    });
    for (const after of afterCommit) after();
  }
}
