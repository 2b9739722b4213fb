import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/** The append-order key, as in 0002: SQLite's rowid with AUTOINCREMENT, PostgreSQL's identity. */
function addSeqColumn<TB extends string>(
  dialect: StoreDialect,
  table: CreateTableBuilder<TB>,
): CreateTableBuilder<TB, 'seq'> {
  if (dialect === 'postgres')
    return table.addColumn('seq', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey());
  return table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
}

async function ledgerTables(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { id, instant, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', id(160), (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('organization_id', id(64))
    .addColumn('program_id', id(64))
    .addColumn('floor_micro', int64)
    .addColumn('debits_posted_micro', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('credits_posted_micro', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('debits_pending_micro', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('credits_pending_micro', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', instant)
    .addColumn('closed_at', instant)
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ledger_accounts_by_organization')
    .on('ledger_accounts')
    .columns(['organization_id'])
    .execute();
  // No foreign keys to organizations: a ledger outlives what it names, as usage records do.
  await addSeqColumn(dialect, db.schema.createTable('ledger_transfers'))
    .addColumn('id', id(160), (c) => c.notNull().unique())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('code', 'varchar(32)', (c) => c.notNull())
    .addColumn('debit_account_id', id(160), (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('credit_account_id', id(160), (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('amount_micro', int64, (c) => c.notNull())
    .addColumn('pending_id', id(160))
    .addColumn('timeout_at', instant)
    .addColumn('reverses_id', id(160))
    .addColumn('usage_record_id', id(128))
    .addColumn('organization_id', id(64))
    .addColumn('project_id', id(64))
    .addColumn('api_key_id', id(64))
    .addColumn('model_id', id(128))
    .addColumn('program_id', id(64))
    .addColumn('memo', 'varchar(500)')
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  // Unique: a hold is posted or voided exactly once, even if two resolutions race; a
  // transfer is reversed at most once. Partial, so that the many transfers that are
  // neither (every charge) add no entry to them.
  await db.schema
    .createIndex('ledger_transfers_one_resolution')
    .on('ledger_transfers')
    .column('pending_id')
    .unique()
    .where(sql.ref('pending_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('ledger_transfers_one_reversal')
    .on('ledger_transfers')
    .column('reverses_id')
    .unique()
    .where(sql.ref('reverses_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('ledger_transfers_by_debit')
    .on('ledger_transfers')
    .columns(['debit_account_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('ledger_transfers_by_credit')
    .on('ledger_transfers')
    .columns(['credit_account_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('ledger_transfers_by_usage')
    .on('ledger_transfers')
    .columns(['usage_record_id'])
    .execute();
  await db.schema
    .createIndex('ledger_transfers_by_charge')
    .on('ledger_transfers')
    .columns(['code', 'organization_id', 'created_at'])
    .execute();
}

async function limitTables(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { id, instant, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('ledger_budgets')
    .addColumn('id', id(64), (c) => c.primaryKey())
    .addColumn('organization_id', id(64), (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('scope', 'varchar(16)', (c) => c.notNull())
    .addColumn('scope_id', id(64), (c) => c.notNull())
    .addColumn('period', 'varchar(16)', (c) => c.notNull())
    .addColumn('starts_at', instant)
    .addColumn('ends_at', instant)
    .addColumn('limit_micro', int64, (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rate_limits')
    .addColumn('id', id(96), (c) => c.primaryKey())
    .addColumn('organization_id', id(64), (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('scope', 'varchar(16)', (c) => c.notNull())
    .addColumn('scope_id', id(64), (c) => c.notNull())
    .addColumn('requests_per_minute', int64)
    .addColumn('tokens_per_minute', int64)
    .addColumn('updated_at', instant, (c) => c.notNull())
    .execute();
}

async function fundTables(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { id, instant, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('fund_programs')
    .addColumn('id', id(64), (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('default_grant_micro', int64, (c) => c.notNull())
    .addColumn('grant_duration_days', 'integer', (c) => c.notNull())
    .addColumn('eligible_models', 'text')
    .addColumn('opens_at', instant, (c) => c.notNull())
    .addColumn('closes_at', instant)
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('fund_applications')
    .addColumn('id', id(64), (c) => c.primaryKey())
    .addColumn('program_id', id(64), (c) => c.notNull().references('fund_programs.id'))
    .addColumn('organization_id', id(64), (c) => c.notNull())
    .addColumn('description', 'varchar(2000)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('amount_micro', int64)
    .addColumn('reason', 'varchar(2000)')
    .addColumn('grant_account_id', id(160))
    .addColumn('grant_expires_at', instant)
    .addColumn('decided_at', instant)
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('fund_applications_by_program')
    .on('fund_applications')
    .columns(['program_id', 'id'])
    .execute();
  await db.schema
    .createIndex('fund_applications_by_organization')
    .on('fund_applications')
    .columns(['organization_id', 'id'])
    .execute();
}

/**
 * The credits ledger (accounts and immutable transfers), budgets and rate limits, and
 * the startup fund's programs and applications.
 */
export function ledger(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await ledgerTables(db, dialect);
      await limitTables(db, dialect);
      await fundTables(db, dialect);
    },
  };
}
