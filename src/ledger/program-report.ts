import { sql } from 'kysely';
import { type CsvColumn, toCsv } from './csv.js';
import type { Fund } from './fund.js';
import type { FundProgram } from './fund-program.js';
import { type Ledger, ledgerInternals } from './ledger.js';

export interface ConsumerTotals {
  readonly organizationId: string;
  readonly usedMicro: number;
  readonly requests: number;
}

export interface ModelTotals {
  readonly modelId: string;
  readonly usedMicro: number;
  readonly requests: number;
}

/** Where a program's credits are: funded into the pool, granted, used, expired back, remaining. */
export interface ProgramReport {
  readonly object: 'program_report';
  readonly program: FundProgram;
  readonly fundedMicro: number;
  readonly grantedMicro: number;
  readonly usedMicro: number;
  readonly expiredMicro: number;
  /** Still in grant accounts: granted, not yet used or expired. */
  readonly outstandingMicro: number;
  /** Still in the pool, to be granted. */
  readonly remainingMicro: number;
  readonly applications: Readonly<Record<'pending' | 'approved' | 'rejected', number>>;
  readonly topConsumers: readonly ConsumerTotals[];
  readonly byModel: readonly ModelTotals[];
}

const topConsumersMax = 10;

export async function buildProgramReport(ledger: Ledger, fund: Fund, programId: string): Promise<ProgramReport> {
  const program = await fund.program(programId);
  const db = ledgerInternals(ledger).db;
  const sumOf = async (code: string, column: 'debitAccountId' | 'creditAccountId' | null) => {
    let query = db
      .selectFrom('ledgerTransfers')
      .select(sql<string | number>`coalesce(sum(amount_micro), 0)`.as('total'))
      .where('code', '=', code)
      .where('programId', '=', programId);
    if (column !== null) query = query.where(column, '=', program.poolAccountId);
    return Number((await query.executeTakeFirstOrThrow()).total);
  };
  const charges = db.selectFrom('ledgerTransfers').where('code', '=', 'charge').where('programId', '=', programId);
  const topConsumers = await charges
    .select([
      'organizationId',
      sql<string | number>`sum(amount_micro)`.as('usedMicro'),
      sql<string | number>`count(distinct usage_record_id)`.as('requests'),
    ])
    .groupBy('organizationId')
    .orderBy(sql`sum(amount_micro)`, 'desc')
    .orderBy('organizationId')
    .limit(topConsumersMax)
    .execute();
  const byModel = await charges
    .select([
      'modelId',
      sql<string | number>`sum(amount_micro)`.as('usedMicro'),
      sql<string | number>`count(distinct usage_record_id)`.as('requests'),
    ])
    .groupBy('modelId')
    .orderBy('modelId')
    .execute();
  const applications = { pending: 0, approved: 0, rejected: 0 };
  for (const application of await fund.listApplications({ programId })) applications[application.status] += 1;
  const grants = ledger.accounts().filter((a) => a.kind === 'grant' && a.programId === programId);
  return {
    object: 'program_report',
    program,
    fundedMicro: await sumOf('fund', 'creditAccountId'),
    grantedMicro: await sumOf('grant', 'debitAccountId'),
    usedMicro: await sumOf('charge', null),
    expiredMicro: await sumOf('grant_expiry', 'creditAccountId'),
    outstandingMicro: grants.reduce((sum, a) => sum + a.creditsPostedMicro - a.debitsPostedMicro, 0),
    remainingMicro: ledger.account(program.poolAccountId)?.balanceMicro ?? 0,
    applications,
    topConsumers: topConsumers.map((r) => ({
      organizationId: r.organizationId ?? '',
      usedMicro: Number(r.usedMicro),
      requests: Number(r.requests),
    })),
    byModel: byModel.map((r) => ({
      modelId: r.modelId ?? '',
      usedMicro: Number(r.usedMicro),
      requests: Number(r.requests),
    })),
  };
}

interface ReportLine {
  readonly section: string;
  readonly key: string;
  readonly micro: number;
  readonly requests: number | null;
}

const csvColumns: readonly CsvColumn<ReportLine>[] = [
  { header: 'section', value: (l) => l.section },
  { header: 'key', value: (l) => l.key },
  { header: 'micro_credits', value: (l) => l.micro },
  { header: 'requests', value: (l) => l.requests },
];

/** The report as one CSV table: totals, then top consumers, then usage by model. */
export function programReportCsv(report: ProgramReport): string {
  const totals = (
    ['fundedMicro', 'grantedMicro', 'usedMicro', 'expiredMicro', 'outstandingMicro', 'remainingMicro'] as const
  ).map(
    (key): ReportLine => ({ section: 'total', key: key.replace(/Micro$/, ''), micro: report[key], requests: null }),
  );
  return toCsv(
    [
      ...totals,
      ...report.topConsumers.map(
        (c): ReportLine => ({ section: 'consumer', key: c.organizationId, micro: c.usedMicro, requests: c.requests }),
      ),
      ...report.byModel.map(
        (m): ReportLine => ({ section: 'model', key: m.modelId, micro: m.usedMicro, requests: m.requests }),
      ),
    ],
    csvColumns,
  );
}
