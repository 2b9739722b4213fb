import { type GroupCommitWriter, newRecordId, nowIso, type WriteTransaction } from '../store/index.js';
import { type AdminChange, type AdminChangeInput, toAdminChange } from './admin-change.js';
import { canonicalJson } from './canonical-json.js';
import type { TransparencyLog } from './transparency-log.js';

/** The hook the management API calls after every change; see `AdminChangeLog`. */
export interface AdminChangeRecorder {
  recordAdminChange(change: AdminChangeInput): Promise<AdminChange>;
}

/**
 * Makes administrative changes leaves of the transparency log. Routes call
 * `recordAdminChange` once their change is written; it resolves when the leaf is durable.
 * A module that writes its change in a transaction of its own (a ledger grant, a policy
 * version) should call `appendAdminChange` inside that transaction instead, so that the
 * change and its leaf commit together.
 */
export class AdminChangeLog implements AdminChangeRecorder {
  readonly #writer: GroupCommitWriter;
  readonly #log: TransparencyLog;

  constructor(writer: GroupCommitWriter, log: TransparencyLog) {
    this.#writer = writer;
    this.#log = log;
  }

  recordAdminChange(change: AdminChangeInput): Promise<AdminChange> {
    // Built once, outside the job, so that a retried transaction appends the same leaf.
    const entry = toAdminChange(newRecordId('chg'), nowIso(), change);
    return this.#writer.submit(async (tx) => {
      await this.#append(tx, entry);
      return entry;
    });
  }

  async appendAdminChange(tx: WriteTransaction, change: AdminChangeInput): Promise<AdminChange> {
    const entry = toAdminChange(newRecordId('chg'), nowIso(), change);
    await this.#append(tx, entry);
    return entry;
  }

  async #append(tx: WriteTransaction, entry: AdminChange): Promise<void> {
    await this.#log.append(tx, canonicalJson(entry));
  }
}
