import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/index.js';
import { CommonwealError } from '../errors/index.js';
import { type CsvColumn, toCsv } from './csv.js';
import { type Ledger, ledgerInternals } from './ledger.js';
import { revenueAccountId, writeOffAccountId } from './ledger-account.js';
import { toLedgerTransfer, type TransferCode } from './ledger-transfer.js';

/** One posted transfer on an organization's accounts, with the balance it left. */
export interface StatementLine {
  readonly transferId: string;
  readonly createdAt: string;
  readonly code: TransferCode;
  readonly accountId: string;
  readonly counterpartyAccountId: string;
  /** Positive when credits came in, negative when they went out. */
  readonly amountMicro: number;
  /** The organization's balance over all its accounts after this transfer. */
  readonly balanceMicro: number;
  readonly usageRecordId: string | null;
  readonly projectId: string | null;
  readonly apiKeyId: string | null;
  readonly modelId: string | null;
  readonly programId: string | null;
  readonly memo: string | null;
}

export interface Statement {
  readonly object: 'statement';
  readonly organizationId: string;
  readonly since: string | null;
  readonly until: string | null;
  readonly openingBalanceMicro: number;
  readonly closingBalanceMicro: number;
  /**
   * Usage of the organization's requests in the period that model servers reported beyond
   * what the requests held: priced, but written off by the platform rather than charged.
   * It moves none of the organization's credits, so it is not among the lines.
   */
  readonly writtenOffMicro: number;
  readonly lines: readonly StatementLine[];
}

export interface StatementPeriod {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

/** A statement covers at most this many transfers; a longer one is asked for by shorter periods. */
export const statementLinesMax = 100_000;

const csvColumns: readonly CsvColumn<StatementLine>[] = [
  { header: 'created_at', value: (l) => l.createdAt },
  { header: 'transfer_id', value: (l) => l.transferId },
  { header: 'code', value: (l) => l.code },
  { header: 'account_id', value: (l) => l.accountId },
  { header: 'counterparty_account_id', value: (l) => l.counterpartyAccountId },
  { header: 'amount_micro', value: (l) => l.amountMicro },
  { header: 'balance_micro', value: (l) => l.balanceMicro },
  { header: 'usage_record_id', value: (l) => l.usageRecordId },
  { header: 'project_id', value: (l) => l.projectId },
  { header: 'api_key_id', value: (l) => l.apiKeyId },
  { header: 'model_id', value: (l) => l.modelId },
  { header: 'program_id', value: (l) => l.programId },
  { header: 'memo', value: (l) => l.memo },
];

function instant(value: string | undefined, param: string): string | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new CommonwealError('invalid_request', `${param} must be an ISO-8601 date or timestamp`, { param });
  return new Date(ms).toISOString();
}

/**
 * An organization's account statement: every posted transfer on its accounts in the
 * period, in the order they were written, with the running balance. Holds are left out:
 * they move no credits until posted.
 */
export async function buildStatement(
  ledger: Ledger,
  organizationId: string,
  period: StatementPeriod,
): Promise<Statement> {
  const since = instant(period.since, 'since');
  const until = instant(period.until, 'until');
  const accountIds = ledger.accountsOf(organizationId).map((a) => a.id);
  const mine = new Set(accountIds);
  const db = ledgerInternals(ledger).db;
  const writtenOffMicro = await writtenOffIn(db, organizationId, since, until);
  if (accountIds.length === 0) {
    return {
      object: 'statement',
      organizationId,
      since,
      until,
      openingBalanceMicro: 0,
      closingBalanceMicro: 0,
      writtenOffMicro,
      lines: [],
    };
  }
  const posted = postedTransfersQuery(db, accountIds);
  let openingBalanceMicro = 0;
  if (since !== null) {
    const ids = sql.join(accountIds);
    const before = await posted
      .where('createdAt', '<', since)
      .select([
        sql<string | number>`coalesce(sum(case when credit_account_id in (${ids}) then amount_micro else 0 end), 0)`.as(
          'inMicro',
        ),
        sql<string | number>`coalesce(sum(case when debit_account_id in (${ids}) then amount_micro else 0 end), 0)`.as(
          'outMicro',
        ),
      ])
      .executeTakeFirstOrThrow();
    openingBalanceMicro = Number(before.inMicro) - Number(before.outMicro);
  }
  let query = posted
    .selectAll()
    .orderBy('seq')
    .limit(statementLinesMax + 1);
  if (since !== null) query = query.where('createdAt', '>=', since);
  if (until !== null) query = query.where('createdAt', '<', until);
  const rows = (await query.execute()).map(toLedgerTransfer);
  if (rows.length > statementLinesMax) {
    throw new CommonwealError(
      'invalid_request',
      `the period holds more than ${statementLinesMax} transfers; ask for a shorter one`,
      { param: 'until' },
    );
  }
  let balanceMicro = openingBalanceMicro;
  const lines = rows.map((t): StatementLine => {
    const amountMicro = signed(mine, t);
    balanceMicro += amountMicro;
    const incoming = mine.has(t.creditAccountId);
    return {
      transferId: t.id,
      createdAt: t.createdAt,
      code: t.code,
      accountId: incoming ? t.creditAccountId : t.debitAccountId,
      counterpartyAccountId: incoming ? t.debitAccountId : t.creditAccountId,
      amountMicro,
      balanceMicro,
      usageRecordId: t.usageRecordId,
      projectId: t.projectId,
      apiKeyId: t.apiKeyId,
      modelId: t.modelId,
      programId: t.programId,
      memo: t.memo,
    };
  });
  return {
    object: 'statement',
    organizationId,
    since,
    until,
    openingBalanceMicro,
    closingBalanceMicro: balanceMicro,
    writtenOffMicro,
    lines,
  };
}

/** The write-offs of an organization's requests in the period, found through the write-off account's debits. */
async function writtenOffIn(
  db: Kysely<Database>,
  organizationId: string,
  since: string | null,
  until: string | null,
): Promise<number> {
  let query = db
    .selectFrom('ledgerTransfers')
    .select(sql<string | number>`coalesce(sum(amount_micro), 0)`.as('total'))
    .where('debitAccountId', '=', writeOffAccountId)
    .where('organizationId', '=', organizationId);
  if (since !== null) query = query.where('createdAt', '>=', since);
  if (until !== null) query = query.where('createdAt', '<', until);
  return Number((await query.executeTakeFirstOrThrow()).total);
}

/**
 * The posted transfers on `accountIds`, each found through its account's index. The
 * revenue account is never one of an organization's accounts; saying so lets the credit
 * side use `ledger_transfers_by_credit`, which leaves that account out (migration 0009).
 */
export function postedTransfersQuery(db: Kysely<Database>, accountIds: readonly string[]) {
  return db
    .selectFrom('ledgerTransfers')
    .where('type', 'in', ['single', 'post_pending'])
    .where((eb) =>
      eb.or([
        eb('debitAccountId', 'in', accountIds),
        eb.and([eb('creditAccountId', 'in', accountIds), eb('creditAccountId', '<>', sql.lit(revenueAccountId))]),
      ]),
    );
}

function signed(
  mine: ReadonlySet<string>,
  t: { debitAccountId: string; creditAccountId: string; amountMicro: number },
): number {
  return (mine.has(t.creditAccountId) ? t.amountMicro : 0) - (mine.has(t.debitAccountId) ? t.amountMicro : 0);
}

export function statementCsv(statement: Statement): string {
  return toCsv(statement.lines, csvColumns);
}
