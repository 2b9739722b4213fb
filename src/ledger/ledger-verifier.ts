import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/index.js';

export interface LedgerVerification {
  readonly object: 'ledger_verification';
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly accounts: number;
  readonly transfers: number;
  readonly usageRecords: number;
  /** At most `problemsMax`, each one sentence naming what is wrong. */
  readonly problems: readonly string[];
}

const problemsMax = 100;
const sampleMax = 5;

type Sums = { debitsPosted: number; creditsPosted: number; debitsPending: number; creditsPending: number };

/**
 * Checks the invariants from the database alone, so that it can be run after a crash:
 * the balances sum to zero; every account's sums equal those recomputed from its
 * transfers (nothing lost, nothing counted twice); no balance is below its floor; every
 * metered request of an organization with an account has its charge and every charge
 * its usage record; no hold has outlived its timeout by more than `holdGraceMs`.
 */
export async function verifyLedger(db: Kysely<Database>, nowMs: number, holdGraceMs: number): Promise<LedgerVerification> {
  const problems: string[] = [];
  const accounts = await db.selectFrom('ledgerAccounts').selectAll().execute();
  let balanceSum = 0;
  let pendingDebits = 0;
  let pendingCredits = 0;
  const recomputed = await recompute(db);
  for (const account of accounts) {
    balanceSum += account.creditsPostedMicro - account.debitsPostedMicro;
    pendingDebits += account.debitsPendingMicro;
    pendingCredits += account.creditsPendingMicro;
    const expected = recomputed.get(account.id) ?? { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
    const stored = { debitsPosted: account.debitsPostedMicro, creditsPosted: account.creditsPostedMicro, debitsPending: account.debitsPendingMicro, creditsPending: account.creditsPendingMicro };
    if (JSON.stringify(stored) !== JSON.stringify(expected)) {
      problems.push(`account ${account.id}: stored sums ${JSON.stringify(stored)} differ from its transfers ${JSON.stringify(expected)}`);
    }
    if (account.floorMicro !== null && account.creditsPostedMicro - account.debitsPostedMicro - account.debitsPendingMicro < account.floorMicro) {
      problems.push(`account ${account.id}: below its floor of ${account.floorMicro}`);
    }
  }
  if (balanceSum !== 0) problems.push(`the balances sum to ${balanceSum}, not zero`);
  if (pendingDebits !== pendingCredits) problems.push(`pending debits ${pendingDebits} differ from pending credits ${pendingCredits}`);
  problems.push(...(await unchargedUsage(db)), ...(await orphanCharges(db)), ...(await overdueHolds(db, new Date(nowMs - holdGraceMs).toISOString())));
  const count = async (table: 'ledgerTransfers' | 'usageRecords') => Number((await db.selectFrom(table).select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  return {
    object: 'ledger_verification',
    ok: problems.length === 0,
    checkedAt: new Date(nowMs).toISOString(),
    accounts: accounts.length,
    transfers: await count('ledgerTransfers'),
    usageRecords: await count('usageRecords'),
    problems: problems.slice(0, problemsMax),
  };
}

/** Every account's four sums, from the transfers alone. */
async function recompute(db: Kysely<Database>): Promise<Map<string, Sums>> {
  const sums = new Map<string, Sums>();
  const add = (id: string, field: keyof Sums, amount: number) => {
    const entry = sums.get(id) ?? { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
    entry[field] += amount;
    sums.set(id, entry);
  };
  const posted = await db
    .selectFrom('ledgerTransfers')
    .select(['debitAccountId', 'creditAccountId', sql<string | number>`sum(amount_micro)`.as('total')])
    .where('type', 'in', ['single', 'post_pending'])
    .groupBy(['debitAccountId', 'creditAccountId'])
    .execute();
  for (const row of posted) {
    add(row.debitAccountId, 'debitsPosted', Number(row.total));
    add(row.creditAccountId, 'creditsPosted', Number(row.total));
  }
  const open = await db
    .selectFrom('ledgerTransfers as p')
    .select(['p.debitAccountId', 'p.creditAccountId', sql<string | number>`sum(p.amount_micro)`.as('total')])
    .where('p.type', '=', 'pending')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ledgerTransfers as r').select('r.seq').whereRef('r.pendingId', '=', 'p.id'))))
    .groupBy(['p.debitAccountId', 'p.creditAccountId'])
    .execute();
  for (const row of open) {
    add(row.debitAccountId, 'debitsPending', Number(row.total));
    add(row.creditAccountId, 'creditsPending', Number(row.total));
  }
  return sums;
}

/** Usage records of organizations that had an account by then, without a charge. */
async function unchargedUsage(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('usageRecords as u')
    .select('u.id')
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('ledgerAccounts as a').select('a.id').whereRef('a.organizationId', '=', 'u.organizationId').whereRef('a.createdAt', '<=', 'u.createdAt')),
    )
    // A request's charge (its first piece, when grants shared it) is named after it: the unique id index finds it.
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ledgerTransfers as t').select('t.seq').where('t.id', '=', sql<string>`'charge:' || u.id`))))
    .limit(sampleMax)
    .execute();
  return rows.map((r) => `usage record ${r.id} has no charge transfer`);
}

async function orphanCharges(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('ledgerTransfers as t')
    .select('t.id')
    .where('t.usageRecordId', 'is not', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('usageRecords as u').select('u.seq').whereRef('u.id', '=', 't.usageRecordId'))))
    .limit(sampleMax)
    .execute();
  return rows.map((r) => `transfer ${r.id} names a usage record that does not exist`);
}

async function overdueHolds(db: Kysely<Database>, before: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ledgerTransfers as p')
    .select(['p.id', 'p.timeoutAt'])
    .where('p.type', '=', 'pending')
    .where('p.timeoutAt', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ledgerTransfers as r').select('r.seq').whereRef('r.pendingId', '=', 'p.id'))))
    .limit(sampleMax)
    .execute();
  return rows.map((r) => `hold ${r.id} is still open after its timeout at ${r.timeoutAt}`);
}
