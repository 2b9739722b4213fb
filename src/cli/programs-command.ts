import { Command } from 'commander';
import { type ProgramReport, programReportCsv } from '../ledger/index.js';
import type { AdminHttpClient } from './admin-http-client.js';
import { formatCredits, parseCredits } from './credits-amount.js';
import { parseInteger, parseList } from './option-parsers.js';
import { printRecord, printRows } from './output.js';

type Row = Record<string, unknown>;

const applicationColumns = [
  { header: 'id', value: (a: Row) => a.id },
  { header: 'org', value: (a: Row) => a.organizationId },
  { header: 'status', value: (a: Row) => a.status },
  { header: 'amount', value: (a: Row) => (a.amountMicro === null ? null : formatCredits(a.amountMicro as number)) },
  { header: 'expires', value: (a: Row) => a.grantExpiresAt },
  { header: 'reason', value: (a: Row) => a.reason },
];

const programPath = (id: string) => `/programs/${encodeURIComponent(id)}`;

function printReport(report: ProgramReport): void {
  console.log(`${report.program.name} (${report.program.id})`);
  for (const key of [
    'fundedMicro',
    'grantedMicro',
    'usedMicro',
    'expiredMicro',
    'outstandingMicro',
    'remainingMicro',
  ] as const) {
    console.log(`  ${key.replace(/Micro$/, '').padEnd(12)} ${formatCredits(report[key])}`);
  }
  console.log('\nTop consumers:');
  printRows(
    report.topConsumers as unknown as Row[],
    [
      { header: 'org', value: (c) => c.organizationId },
      { header: 'used', value: (c) => formatCredits(c.usedMicro as number) },
      { header: 'requests', value: (c) => c.requests },
    ],
    {},
  );
  console.log('\nBy model:');
  printRows(
    report.byModel as unknown as Row[],
    [
      { header: 'model', value: (m) => m.modelId },
      { header: 'used', value: (m) => formatCredits(m.usedMicro as number) },
      { header: 'requests', value: (m) => m.requests },
    ],
    {},
  );
}

/** `commonweal programs …`: the startup fund. */
export function programsCommand(client: () => AdminHttpClient): Command {
  const programs = new Command('programs').description('the fund: programs, applications, grants and reports');

  programs
    .command('list')
    .description('the programs, with their default grant, its duration and the models grants may pay for')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const list = await client().call<{ data: Row[] }>('GET', '/programs');
      printRows(
        list.data,
        [
          { header: 'id', value: (p) => p.id },
          { header: 'name', value: (p) => p.name },
          { header: 'grant', value: (p) => formatCredits(p.defaultGrantMicro as number) },
          { header: 'days', value: (p) => p.grantDurationDays },
          { header: 'models', value: (p) => p.eligibleModels ?? 'any' },
        ],
        o,
        list,
      );
    });

  programs
    .command('create')
    .description('create a program (operator)')
    .option('--id <id>', 'id to use (generated when omitted)')
    .requiredOption('--name <name>', 'e.g. "National AI Startup Fund 2027"')
    .requiredOption('--default-grant <credits>', 'the grant an approval gives unless it says otherwise', parseCredits)
    .requiredOption('--grant-days <n>', 'granted credits expire this many days after approval', parseInteger)
    .option('--eligible-models <ids>', 'comma-separated models grants may pay for (default: any)', parseList)
    .option('--opens-at <time>', 'applications accepted from (default: now)')
    .option('--closes-at <time>', 'applications accepted until')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const body = {
        id: o.id,
        name: o.name,
        defaultGrantMicro: o.defaultGrant,
        grantDurationDays: o.grantDays,
        eligibleModels: o.eligibleModels,
        opensAt: o.opensAt,
        closesAt: o.closesAt,
      };
      printRecord(await client().call<Row>('POST', '/programs', body), o);
    });

  programs
    .command('fund')
    .argument('<programId>', 'the program, as listed by programs list')
    .description("move credits from issuance into the program's pool (operator)")
    .requiredOption('--amount <credits>', 'credits', parseCredits)
    .option('--id <id>', 'an idempotency key')
    .option('--json', 'print JSON')
    .action(async (programId: string, o) =>
      printRecord(
        await client().call<Row>('POST', `${programPath(programId)}/fund`, { amountMicro: o.amount, id: o.id }),
        o,
      ),
    );

  addApplicationCommands(programs, client);

  programs
    .command('report')
    .argument('<programId>', 'the program, as listed by programs list')
    .description('funded, granted, used, expired and remaining credits; top consumers; usage by model')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (programId: string, o) => {
      const report = await client().call<ProgramReport>('GET', `${programPath(programId)}/report`);
      if (o.csv) process.stdout.write(programReportCsv(report));
      else if (o.json) console.log(JSON.stringify(report, null, 2));
      else printReport(report);
    });

  return programs;
}

/** Applications and the decisions on them, under `programs`. */
function addApplicationCommands(programs: Command, client: () => AdminHttpClient): void {
  programs
    .command('apply')
    .argument('<programId>', 'the program, as listed by programs list')
    .description('apply for a grant on behalf of an organization')
    .requiredOption('--org <id>', 'the organization applying')
    .requiredOption('--description <text>', 'what the credits are for')
    .option('--json', 'print JSON')
    .action(async (programId: string, o) =>
      printRecord(
        await client().call<Row>('POST', `/orgs/${encodeURIComponent(o.org)}/applications`, {
          programId,
          description: o.description,
        }),
        o,
      ),
    );

  programs
    .command('applications')
    .argument('<programId>', 'the program, as listed by programs list')
    .description("a program's applications (operator)")
    .option('--json', 'print JSON')
    .action(async (programId: string, o) => {
      const list = await client().call<{ data: Row[] }>('GET', `${programPath(programId)}/applications`);
      printRows(list.data, applicationColumns, o, list);
    });

  programs
    .command('approve')
    .argument('<programId>', 'the program, as listed by programs list')
    .argument('<applicationId>', 'the application, as listed by programs applications')
    .description("approve: credits move from the pool to the organization's grant (operator)")
    .option('--amount <credits>', "the grant (default: the program's)", parseCredits)
    .option('--expires-at <time>', "when unused credits return to the pool (default: the program's grant duration)")
    .option('--json', 'print JSON')
    .action(async (programId: string, applicationId: string, o) =>
      printRecord(
        await client().call<Row>(
          'POST',
          `${programPath(programId)}/applications/${encodeURIComponent(applicationId)}/approve`,
          { amountMicro: o.amount, expiresAt: o.expiresAt },
        ),
        o,
      ),
    );

  programs
    .command('reject')
    .argument('<programId>', 'the program, as listed by programs list')
    .argument('<applicationId>', 'the application, as listed by programs applications')
    .description('reject with a reason (operator)')
    .requiredOption('--reason <text>', 'why, as the organization will read it')
    .option('--json', 'print JSON')
    .action(async (programId: string, applicationId: string, o) =>
      printRecord(
        await client().call<Row>(
          'POST',
          `${programPath(programId)}/applications/${encodeURIComponent(applicationId)}/reject`,
          { reason: o.reason },
        ),
        o,
      ),
    );
}
