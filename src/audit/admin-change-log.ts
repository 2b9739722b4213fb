import { type GroupCommitWriter, newRecordId, nowIso, type WriteTransaction } from '../store/index.js';
import { type AdminChange, type AdminChangeInput, toAdminChange } from './admin-change.js';
import { countAdminChange } from './admin-change-serial.js';
import type { AdminChangeJob } from './admin-write.js';
import { canonicalJson } from './canonical-json.js';
import type { TransparencyLog } from './transparency-log.js';

/** How the management API changes a record; see `AdminChangeLog`. */
export interface AdminChanges {
  commit<T>(job: AdminChangeJob<T>): Promise<T>;
}

/**
 * Makes administrative changes leaves of the transparency log. `commit` writes a change
 * and its leaf in one transaction, so that no crash can leave one without the other;
 * caches that hold the record reload after it resolves. A module that writes its change
 * in a transaction of its own calls `appendAdminChange` inside that transaction instead.
 */
export class AdminChangeLog implements AdminChanges {
  readonly #writer: GroupCommitWriter;
  readonly #log: TransparencyLog;

  constructor(writer: GroupCommitWriter, log: TransparencyLog) {
    this.#writer = writer;
    this.#log = log;
  }

  /** Runs `job`, then appends the leaf of the change it reports, in one transaction; resolves once both are durable. */
  commit<T>(job: AdminChangeJob<T>): Promise<T> {
    return this.#writer.submit(async (tx) => {
      const { result, change } = await job(tx);
      if (change !== null) await this.appendAdminChange(tx, change);
      return result;
    });
  }

  async appendAdminChange(tx: WriteTransaction, change: AdminChangeInput): Promise<AdminChange> {
    const entry = toAdminChange(newRecordId('chg'), nowIso(), change);
    await this.#log.append(tx, canonicalJson(entry));
    await countAdminChange(tx);
    return entry;
  }
}
