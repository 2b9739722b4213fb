import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { CommonwealError, invariant } from '../errors/index.js';
import {
  type Database,
  type LedgerAccountsTable,
  RowInserter,
  type Store,
  type StoreDialect,
  type WriteTransaction,
} from '../store/index.js';
import { type AccountDelta, availableLoweredMicro, delta, isDoubleEntry } from './account-delta.js';
import { type Charge, type LedgerTransfer, toLedgerTransfer, type TransferRow } from './ledger-transfer.js';
import { revenueAccountId } from './ledger-account.js';

/** Every write of a transfer is checked before anything of it is written: one debit, one credit, equal. */
const doubleEntry = 'a transfer debits exactly what it credits';

/**
 * The settlements of one open writer transaction: their charges' rows, the few other
 * transfers (write-offs), and what all of them do to each account in sum.
 */
interface PendingCharges {
  readonly rows: unknown[][];
  readonly others: unknown[][];
  readonly deltas: Map<string, AccountDelta>;
}

/**
 * The ledger's SQL. Writes take the caller's transaction (a group-commit job), so that
 * a transfer, its balance changes and whatever it settles commit together or not at all.
 */
export class LedgerRepository {
  readonly #store: Store;
  readonly #statements: LedgerStatements;
  readonly #transferRows: RowInserter;
  readonly #chargeRows: RowInserter;

  constructor(store: Store) {
    this.#store = store;
    this.#statements = ledgerStatements(store.dialect);
    this.#transferRows = new RowInserter(
      store.dialect,
      'ledger_transfers',
      transferColumns.map(([, column]) => column),
    );
    // What every charge has in common is written into the SQL, so that a charge binds 10 values rather than 17.
    this.#chargeRows = new RowInserter(
      store.dialect,
      'ledger_transfers',
      chargeColumns.map(([, column]) => column),
      {
        type: 'single',
        code: 'charge',
        credit_account_id: revenueAccountId,
      },
    );
  }

  get db(): Kysely<Database> {
    return this.#store.db;
  }

  async loadAccounts(): Promise<Selectable<LedgerAccountsTable>[]> {
    return this.#store.db.selectFrom('ledgerAccounts').selectAll().orderBy('createdAt').orderBy('id').execute();
  }

  /** Holds without a resolution, to rebuild the set of open holds at start. */
  async loadOpenHolds(): Promise<LedgerTransfer[]> {
    const rows = await this.#store.db
      .selectFrom('ledgerTransfers as p')
      .selectAll('p')
      .where('p.type', '=', 'pending')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('ledgerTransfers as r').select('r.seq').whereRef('r.pendingId', '=', 'p.id'))),
      )
      .orderBy('p.seq')
      .execute();
    return rows.map(toLedgerTransfer);
  }

  async findTransfer(db: Kysely<Database>, id: string): Promise<LedgerTransfer | undefined> {
    const row = await db.selectFrom('ledgerTransfers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toLedgerTransfer(row);
  }

  async insertAccount(db: Kysely<Database>, row: Selectable<LedgerAccountsTable>): Promise<void> {
    await db.insertInto('ledgerAccounts').values(row).execute();
  }

  async findAccount(db: Kysely<Database>, id: string): Promise<Selectable<LedgerAccountsTable> | undefined> {
    return db.selectFrom('ledgerAccounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async closeAccount(db: Kysely<Database>, id: string, closedAt: string): Promise<void> {
    await db.updateTable('ledgerAccounts').set({ closedAt }).where('id', '=', id).execute();
  }

  /**
   * Inserts a transfer and applies its deltas. The floor is checked here too, against
   * the committed sums, so that the database refuses an overdraft even if the memory
   * in front of it were wrong. These run for every charge, so their SQL is written once
   * rather than built per call.
   */
  async writeTransfer(db: Kysely<Database>, row: TransferRow, deltas: readonly AccountDelta[]): Promise<void> {
    invariant(isDoubleEntry(deltas), doubleEntry);
    await this.#transferRows.insert(db, [transferColumns.map(([field]) => row[field])]);
    for (const delta of deltas) await this.#applyDelta(db, delta);
  }

  /**
   * `writeTransfer` for the charges of metered requests. In a group-commit writer
   * transaction the charges of all its requests are written together just before
   * COMMIT, and each account's balance changes once by their sum: every charge credits
   * the one revenue account, and one update per request would have all of them wait on
   * the same row. The floor is then checked against the sum, which holds the floor at
   * every committed state; a batch that would break it fails whole, and the writer writes
   * its jobs one by one to find the charge at fault.
   */
  async writeCharge(tx: WriteTransaction, charge: Charge, deltas: readonly AccountDelta[]): Promise<void> {
    invariant(isDoubleEntry(deltas), doubleEntry);
    const pending = this.#pendingCharges(tx);
    pending.rows.push(chargeColumns.map(([field]) => charge[field]));
    addPendingDeltas(pending, deltas);
  }

  /**
   * A transfer that settles a request beside its charge, such as a write-off: batched with
   * the charges, so that its accounts are locked in the same order as theirs.
   */
  async writeOff(tx: WriteTransaction, row: TransferRow, deltas: readonly AccountDelta[]): Promise<void> {
    invariant(isDoubleEntry(deltas), doubleEntry);
    const pending = this.#pendingCharges(tx);
    pending.others.push(transferColumns.map(([field]) => row[field]));
    addPendingDeltas(pending, deltas);
  }

  #pendingCharges(tx: WriteTransaction): PendingCharges {
    const open = (): PendingCharges => ({ rows: [], others: [], deltas: new Map() });
    return tx.batch(this, open, (committing, batch) => this.#writeCharges(committing.db, batch));
  }

  async #writeCharges(db: Kysely<Database>, pending: PendingCharges): Promise<void> {
    if (pending.rows.length > 0) await this.#chargeRows.insert(db, pending.rows);
    if (pending.others.length > 0) await this.#transferRows.insert(db, pending.others);
    // Replicas sharing PostgreSQL lock accounts in one order, so that two batches never wait on each other.
    const accountIds = [...pending.deltas.keys()].sort();
    for (const accountId of accountIds) await this.#applyDelta(db, pending.deltas.get(accountId)!);
  }

  async #applyDelta(db: Kysely<Database>, delta: AccountDelta): Promise<void> {
    const statements = this.#statements;
    const sums = [
      delta.debitsPostedMicro,
      delta.creditsPostedMicro,
      delta.debitsPendingMicro,
      delta.creditsPendingMicro,
    ];
    const changes = [...sums, delta.accountId, ...sums];
    const loweredMicro = availableLoweredMicro(delta);
    const result =
      loweredMicro > 0
        ? await db.executeQuery(CompiledQuery.raw(statements.updateAccountAboveFloor, [...changes, loweredMicro]))
        : await db.executeQuery(CompiledQuery.raw(statements.updateAccount, changes));
    if (Number(result.numAffectedRows) !== 1) throw await this.#refusal(db, delta);
  }

  /** Why an account's update matched no row: a sum that would pass the exact range, or the floor. */
  async #refusal(db: Kysely<Database>, delta: AccountDelta): Promise<CommonwealError> {
    const account = await this.findAccount(db, delta.accountId);
    const passes = (stored: number, change: number) => stored + change > accountSumMicroMax;
    if (
      account !== undefined &&
      (passes(account.debitsPostedMicro, delta.debitsPostedMicro) ||
        passes(account.creditsPostedMicro, delta.creditsPostedMicro) ||
        passes(account.debitsPendingMicro, delta.debitsPendingMicro) ||
        passes(account.creditsPendingMicro, delta.creditsPendingMicro))
    ) {
      return new CommonwealError(
        'ledger_limit_reached',
        `this transfer would take the sums of ledger account "${delta.accountId}" past ${accountSumMicroMax} micro-credits, ` +
          'the most they hold exactly; nothing was written',
      );
    }
    return new CommonwealError(
      'insufficient_credits',
      `account "${delta.accountId}" does not have the credits for this transfer`,
    );
  }
}

function addPendingDeltas(pending: PendingCharges, deltas: readonly AccountDelta[]): void {
  for (const delta of deltas) {
    const sum = pending.deltas.get(delta.accountId);
    pending.deltas.set(delta.accountId, sum === undefined ? delta : addDeltas(sum, delta));
  }
}

function addDeltas(a: AccountDelta, b: AccountDelta): AccountDelta {
  return delta(
    a.accountId,
    a.debitsPostedMicro + b.debitsPostedMicro,
    a.creditsPostedMicro + b.creditsPostedMicro,
    a.debitsPendingMicro + b.debitsPendingMicro,
    a.creditsPendingMicro + b.creditsPendingMicro,
  );
}

/** The columns of a transfer row, in the order of the insert statement's parameters. */
const transferColumns: readonly (readonly [keyof TransferRow, string])[] = [
  ['id', 'id'],
  ['type', 'type'],
  ['code', 'code'],
  ['debitAccountId', 'debit_account_id'],
  ['creditAccountId', 'credit_account_id'],
  ['amountMicro', 'amount_micro'],
  ['pendingId', 'pending_id'],
  ['timeoutAt', 'timeout_at'],
  ['reversesId', 'reverses_id'],
  ['usageRecordId', 'usage_record_id'],
  ['organizationId', 'organization_id'],
  ['projectId', 'project_id'],
  ['apiKeyId', 'api_key_id'],
  ['modelId', 'model_id'],
  ['programId', 'program_id'],
  ['memo', 'memo'],
  ['createdAt', 'created_at'],
];

/** The columns that differ from one charge to the next, in `transferColumns` order; the rest are fixed (see the constructor) or null. */
const chargeFields: ReadonlySet<string> = new Set<keyof Charge>([
  'id',
  'debitAccountId',
  'amountMicro',
  'usageRecordId',
  'organizationId',
  'projectId',
  'apiKeyId',
  'modelId',
  'programId',
  'createdAt',
]);
const chargeColumns = transferColumns.filter((column): column is readonly [keyof Charge, string] =>
  chargeFields.has(column[0]),
);

interface LedgerStatements {
  readonly updateAccount: string;
  readonly updateAccountAboveFloor: string;
}

/**
 * The largest running sum an account may reach: every layer holds it exactly (a
 * JavaScript number, SQLite's and PostgreSQL's 64-bit integers, JSON). A transfer that
 * would pass it is refused in the same statement that applies it, so that no
 * interleaving of concurrent transfers can get by.
 */
export const accountSumMicroMax = Number.MAX_SAFE_INTEGER;

/**
 * The hot statements in the dialect's placeholder style: `?` for SQLite, `$n` for PostgreSQL.
 * Parameters: the four changes, the account id, the four changes again (for the range
 * check, since SQLite's `?` cannot be named twice), then what the floor check lowers.
 */
function ledgerStatements(dialect: StoreDialect): LedgerStatements {
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const columns = ['debits_posted_micro', 'credits_posted_micro', 'debits_pending_micro', 'credits_pending_micro'];
  const updateAccount =
    `update ledger_accounts set ${columns.map((column, i) => `${column} = ${column} + ${p(i + 1)}`).join(', ')} ` +
    `where id = ${p(5)} and ${columns.map((column, i) => `${column} + ${p(i + 6)} <= ${accountSumMicroMax}`).join(' and ')}`;
  return {
    updateAccount,
    updateAccountAboveFloor: `${updateAccount} and (floor_micro is null or credits_posted_micro - debits_posted_micro - debits_pending_micro - ${p(10)} >= floor_micro)`,
  };
}
