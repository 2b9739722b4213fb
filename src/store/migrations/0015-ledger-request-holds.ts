import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';
import { columnTypes } from './column-types.js';

/**
 * The credit holds of requests in flight, shared by every replica on one PostgreSQL
 * database: one row per account a hold reserves in, with the instant it expires unless
 * its replica renews it. An account's available credits are its committed sums less
 * these rows, so ending a hold is deleting its rows, which a settlement does in the
 * transaction of its charge. SQLite gets the table too, unused, so that both dialects
 * keep one schema.
 *
 * On PostgreSQL, `ledger_reserve_hold` reserves a request's maximum cost in one round
 * trip: it locks the accounts in id order (as settlements do) and only then reads their
 * sums and holds, so that every reservation sees all that committed before it. A hold
 * expires `p_ttl_ms` after it is taken by the database's clock, not the replica's: a
 * request that waited its turn for a busy account's lock (or a pooled connection) longer
 * than the TTL must not find its hold expired before it exists, and replicas' clocks
 * need not agree. Its
 * commit does not wait for the WAL to reach the disk: other replicas see a commit at
 * once either way, and a hold is worth a disk flush only as long as its request lives,
 * which a crash of the database ends too. The charge that ends it commits durably.
 */
export function ledgerRequestHolds(dialect: StoreDialect): Migration {
  const { id, instant, int64 } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('ledger_request_holds')
        .addColumn('id', id(64), (c) => c.notNull())
        .addColumn('account_id', id(160), (c) => c.notNull())
        .addColumn('amount_micro', int64, (c) => c.notNull())
        .addColumn('expires_at_ms', int64, (c) => c.notNull())
        .addColumn('created_at', instant, (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_request_holds_pk', ['id', 'account_id'])
        .execute();
      await db.schema
        .createIndex('ledger_request_holds_by_account')
        .on('ledger_request_holds')
        .columns(['account_id'])
        .execute();
      await db.schema
        .createIndex('ledger_request_holds_by_expiry')
        .on('ledger_request_holds')
        .columns(['expires_at_ms'])
        .execute();
      if (dialect === 'postgres') await reserveFunction.execute(db);
    },
  };
}

/**
 * Rows of (account, reserved) when the accounts, in the order given, cover `amount`;
 * otherwise one row (null, what they could cover) and nothing is reserved. Each statement
 * of a volatile PL/pgSQL function takes a fresh snapshot, so the reads after the lock
 * see every hold and charge committed before it was granted.
 */
const reserveFunction = sql`
create function ledger_reserve_hold(
  p_hold_id text, p_account_ids text[], p_amount bigint, p_ttl_ms bigint, p_created_at text
) returns table (account_id text, reserved_micro bigint)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_left bigint := p_amount;
  v_take bigint;
  v_ids text[] := '{}';
  v_takes bigint[] := '{}';
  r record;
begin
  perform set_config('synchronous_commit', 'off', true);
  perform 1 from ledger_accounts a where a.id = any(p_account_ids) order by a.id for update;
  for r in
    select a.id,
      case when a.floor_micro is null then p_amount
        else a.credits_posted_micro - a.debits_posted_micro - a.debits_pending_micro - a.floor_micro
          - coalesce((select sum(h.amount_micro) from ledger_request_holds h where h.account_id = a.id), 0)::bigint
      end as available
    from unnest(p_account_ids) with ordinality as o(id, ord) join ledger_accounts a on a.id = o.id
    order by o.ord
  loop
    exit when v_left = 0;
    v_take := least(v_left, greatest(r.available, 0));
    if v_take > 0 then
      v_ids := v_ids || r.id::text;
      v_takes := v_takes || v_take;
      v_left := v_left - v_take;
    end if;
  end loop;
  if v_left > 0 then
    return query select null::text, p_amount - v_left;
    return;
  end if;
  insert into ledger_request_holds (id, account_id, amount_micro, expires_at_ms, created_at)
    select p_hold_id, t.id, t.take, (extract(epoch from clock_timestamp()) * 1000)::bigint + p_ttl_ms, p_created_at
    from unnest(v_ids, v_takes) as t(id, take);
  return query select t.id, t.take from unnest(v_ids, v_takes) as t(id, take);
end
$$`;
