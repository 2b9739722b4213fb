import { type Kysely, sql } from 'kysely';
import { UsageReader } from '../metering/index.js';
import type { Database } from '../store/index.js';
import { accountSumMicroMax } from './ledger-repository.js';

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

/** An account's four sums, as exact integers: what is stored may already be past what a number holds. */
interface Sums {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

const zeroSums = (): Sums => ({ debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n });
const sumFields = ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const;
/** Sums and amounts travel as text, so that neither driver rounds one that passed 2^53. */
const exact = (column: string) => sql<string>`cast(${sql.ref(column)} as text)`;

/**
 * Checks the invariants from the database alone, so that it can be run after a crash:
 * the balances sum to zero; every account's sums equal those recomputed from its
 * transfers (nothing lost, nothing counted twice), in exact integers; no sum is past
 * what every layer holds exactly; no balance is below its floor; every metered request
 * of an organization with an account has its charge and every charge its usage record;
 * every priced request was charged and written off exactly what its record says, and
 * `priced = charged + written off`; no hold has outlived its timeout by more than
 * `holdGraceMs`. The usage records are metering's: their side of each comparison is
 * what metering's `UsageReader` gives, joined with the transfers inside the database.
 */
export async function verifyLedger(
  db: Kysely<Database>,
  nowMs: number,
  holdGraceMs: number,
): Promise<LedgerVerification> {
  const problems: string[] = [];
  const accounts = await db
    .selectFrom('ledgerAccounts')
    .select([
      'id',
      exact('debits_posted_micro').as('debitsPosted'),
      exact('credits_posted_micro').as('creditsPosted'),
      exact('debits_pending_micro').as('debitsPending'),
      exact('credits_pending_micro').as('creditsPending'),
      exact('floor_micro').as('floor'),
    ])
    .execute();
  let balanceSum = 0n;
  let pendingDebits = 0n;
  let pendingCredits = 0n;
  const recomputed = await recompute(db);
  for (const account of accounts) {
    const stored: Sums = {
      debitsPosted: BigInt(account.debitsPosted),
      creditsPosted: BigInt(account.creditsPosted),
      debitsPending: BigInt(account.debitsPending),
      creditsPending: BigInt(account.creditsPending),
    };
    balanceSum += stored.creditsPosted - stored.debitsPosted;
    pendingDebits += stored.debitsPending;
    pendingCredits += stored.creditsPending;
    const expected = recomputed.get(account.id) ?? zeroSums();
    if (sumFields.some((field) => stored[field] !== expected[field])) {
      problems.push(
        `account ${account.id}: stored sums ${sumsText(stored)} differ from its transfers ${sumsText(expected)}`,
      );
    }
    if (sumFields.some((field) => stored[field] > BigInt(accountSumMicroMax))) {
      problems.push(`account ${account.id}: a sum is past ${accountSumMicroMax}, the most every layer holds exactly`);
    }
    const floor = account.floor === null ? null : BigInt(account.floor);
    if (floor !== null && stored.creditsPosted - stored.debitsPosted - stored.debitsPending < floor) {
      problems.push(`account ${account.id}: below its floor of ${floor}`);
    }
  }
  if (balanceSum !== 0n) problems.push(`the balances sum to ${balanceSum}, not zero`);
  if (pendingDebits !== pendingCredits)
    problems.push(`pending debits ${pendingDebits} differ from pending credits ${pendingCredits}`);
  const usage = new UsageReader(db);
  problems.push(
    ...(await unchargedUsage(db, usage)),
    ...(await orphanCharges(db, usage)),
    ...(await mispricedUsage(db, usage)),
    ...(await overdueHolds(db, new Date(nowMs - holdGraceMs).toISOString())),
  );
  const transfers = await db
    .selectFrom('ledgerTransfers')
    .select(sql<string | number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return {
    object: 'ledger_verification',
    ok: problems.length === 0,
    checkedAt: new Date(nowMs).toISOString(),
    accounts: accounts.length,
    transfers: Number(transfers.n),
    usageRecords: await usage.count(),
    problems: problems.slice(0, problemsMax),
  };
}

function sumsText(sums: Sums): string {
  return `{${sumFields.map((field) => `"${field}Micro":${sums[field]}`).join(',')}}`;
}

/** Every account's four sums, from the transfers alone. */
async function recompute(db: Kysely<Database>): Promise<Map<string, Sums>> {
  const sums = new Map<string, Sums>();
  const add = (id: string, field: keyof Sums, amount: string) => {
    const entry = sums.get(id) ?? zeroSums();
    entry[field] += BigInt(amount);
    sums.set(id, entry);
  };
  const total = sql<string>`cast(sum(amount_micro) as text)`.as('total');
  const posted = await db
    .selectFrom('ledgerTransfers')
    .select(['debitAccountId', 'creditAccountId', total])
    .where('type', 'in', ['single', 'post_pending'])
    .groupBy(['debitAccountId', 'creditAccountId'])
    .execute();
  for (const row of posted) {
    add(row.debitAccountId, 'debitsPosted', row.total);
    add(row.creditAccountId, 'creditsPosted', row.total);
  }
  const open = await db
    .selectFrom('ledgerTransfers as p')
    .select(['p.debitAccountId', 'p.creditAccountId', sql<string>`cast(sum(p.amount_micro) as text)`.as('total')])
    .where('p.type', '=', 'pending')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('ledgerTransfers as r').select('r.seq').whereRef('r.pendingId', '=', 'p.id'))),
    )
    .groupBy(['p.debitAccountId', 'p.creditAccountId'])
    .execute();
  for (const row of open) {
    add(row.debitAccountId, 'debitsPending', row.total);
    add(row.creditAccountId, 'creditsPending', row.total);
  }
  return sums;
}

/**
 * Priced usage records whose figures do not add up, or whose charges and write-off in
 * the ledger are not what the record says. Records from before prices were kept on them
 * (migration 0012) and unmetered ones have no price and are left out.
 */
async function mispricedUsage(db: Kysely<Database>, usage: UsageReader): Promise<string[]> {
  const settled = db
    .selectFrom('ledgerTransfers')
    .select([
      'usageRecordId',
      sql<number>`sum(case when code = 'charge' then amount_micro else 0 end)`.as('charged'),
      sql<number>`sum(case when code = 'write_off' then amount_micro else 0 end)`.as('writtenOff'),
    ])
    .where('code', 'in', ['charge', 'write_off'])
    .where('usageRecordId', 'is not', null)
    .groupBy('usageRecordId')
    .as('t');
  const rows = await db
    .selectFrom(usage.settlements().as('u'))
    .leftJoin(settled, 't.usageRecordId', 'u.id')
    .select([
      'u.id',
      'u.creditsPricedMicro',
      'u.creditsChargedMicro',
      'u.creditsWrittenOffMicro',
      't.charged',
      't.writtenOff',
    ])
    .where('u.creditsPricedMicro', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('u.creditsPricedMicro', '<>', eb('u.creditsChargedMicro', '+', eb.ref('u.creditsWrittenOffMicro'))),
        eb(eb.fn.coalesce('t.charged', eb.lit(0)), '<>', eb.ref('u.creditsChargedMicro')),
        eb(eb.fn.coalesce('t.writtenOff', eb.lit(0)), '<>', eb.ref('u.creditsWrittenOffMicro')),
      ]),
    )
    .orderBy('u.seq')
    .limit(sampleMax)
    .execute();
  return rows.map(
    (r) =>
      `usage record ${r.id}: priced ${r.creditsPricedMicro}, charged ${r.creditsChargedMicro} and written off ` +
      `${r.creditsWrittenOffMicro}, but the ledger has charges of ${r.charged ?? 0} and write-offs of ${r.writtenOff ?? 0}`,
  );
}

/** Usage records of organizations that had an account by then, without a charge. */
async function unchargedUsage(db: Kysely<Database>, usage: UsageReader): Promise<string[]> {
  const rows = await db
    .selectFrom(usage.settlements().as('u'))
    .select('u.id')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('ledgerAccounts as a')
          .select('a.id')
          .whereRef('a.organizationId', '=', 'u.organizationId')
          .whereRef('a.createdAt', '<=', 'u.createdAt'),
      ),
    )
    // A request's charge (its first piece, when grants shared it) is named after it: the unique id index finds it.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('ledgerTransfers as t').select('t.seq').where('t.id', '=', sql<string>`'charge:' || u.id`)),
      ),
    )
    .limit(sampleMax)
    .execute();
  return rows.map((r) => `usage record ${r.id} has no charge transfer`);
}

async function orphanCharges(db: Kysely<Database>, usage: UsageReader): Promise<string[]> {
  const rows = await db
    .selectFrom('ledgerTransfers as t')
    .select('t.id')
    .where('t.usageRecordId', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom(usage.settlements().as('u')).select('u.seq').whereRef('u.id', '=', 't.usageRecordId'))),
    )
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
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('ledgerTransfers as r').select('r.seq').whereRef('r.pendingId', '=', 'p.id'))),
    )
    .limit(sampleMax)
    .execute();
  return rows.map((r) => `hold ${r.id} is still open after its timeout at ${r.timeoutAt}`);
}
