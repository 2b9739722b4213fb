import { type ReceiptFacts, receiptText, type TransparencyLog, toReceipt } from '../../src/audit/index.js';
import { newUsageRecord, type UsageInput, type UsageRepository } from '../../src/metering/index.js';
import type { GroupCommitWriter } from '../../src/store/index.js';

/**
 * Writes usage records as the gateway's settlement does, without a gateway request: each
 * in a transaction of the writer, with its receipt before it when a log is given. For
 * tests of the log and the usage API, which need records but no charges.
 */
export class TestUsageRecorder {
  readonly #writer: GroupCommitWriter;
  readonly #usage: UsageRepository;
  readonly #log: TransparencyLog | undefined;

  constructor(writer: GroupCommitWriter, usage: UsageRepository, log?: TransparencyLog) {
    this.#writer = writer;
    this.#usage = usage;
    this.#log = log;
  }

  async recordUsage(input: UsageInput, facts?: ReceiptFacts): Promise<void> {
    const record = newUsageRecord(input);
    const log = this.#log;
    await this.#writer.submit(async (tx) => {
      const leaf =
        log === undefined || facts === undefined ? null : await log.append(tx, receiptText(toReceipt(record, facts)));
      await this.#usage.record(tx, record, leaf);
    });
  }
}
