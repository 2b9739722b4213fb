import { Command } from 'commander';
import { type Statement, statementCsv } from '../ledger/index.js';
import type { AdminHttpClient } from './admin-http-client.js';
import { formatCredits, parseCredits } from './credits-amount.js';
import { apiValue, parseIntegerOrNone } from './option-parsers.js';
import { type Column, formatTable, printRecord, printRows } from './output.js';

type Row = Record<string, unknown>;

const statementColumns: readonly Column<Row>[] = [
  { header: 'time', value: (l) => l.createdAt },
  { header: 'code', value: (l) => l.code },
  { header: 'amount', value: (l) => formatCredits(l.amountMicro as number) },
  { header: 'balance', value: (l) => formatCredits(l.balanceMicro as number) },
  { header: 'model', value: (l) => l.modelId },
  { header: 'transfer', value: (l) => l.transferId },
];

function orgOption(command: Command): Command {
  return command.requiredOption('--org <id>', 'the organization');
}

/**
 * A retried `credits add` is answered with the transfer its id already recorded, which
 * the API marks as not created: saying "added" then would claim credits that were not.
 */
function depositMessage(transfer: Row, org: string): string {
  const amount = formatCredits(transfer.amountMicro as number);
  if (transfer.created === false) {
    return (
      `nothing added: transfer ${String(transfer.id)} was already recorded at ${String(transfer.createdAt)} ` +
      `(${amount} credits to ${org})`
    );
  }
  return `added ${amount} credits to ${org} (transfer ${String(transfer.id)})`;
}

/** `commonweal credits …`: an organization's credits, statement, budgets and rate limits. */
export function creditsCommand(client: () => AdminHttpClient): Command {
  const credits = new Command('credits').description(
    "an organization's credits: add, balance, statement, budgets, rate limits",
  );

  orgOption(credits.command('add').description('issue credits to an organization (operator)'))
    .requiredOption('--amount <credits>', 'credits to add, e.g. 1000 or 12.5', parseCredits)
    .option('--id <id>', 'an idempotency key: retrying with the same id adds nothing twice')
    .option('--memo <text>', 'a note kept with the transfer')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const body = { amountMicro: o.amount, id: o.id, memo: o.memo };
      const transfer = await client().call<Row>('POST', `/orgs/${encodeURIComponent(o.org)}/credits`, body);
      if (o.json) console.log(JSON.stringify(transfer, null, 2));
      else console.log(depositMessage(transfer, o.org));
    });

  orgOption(credits.command('balance').description("an organization's balance, per account"))
    .option('--json', 'print JSON')
    .action(async (o) => {
      const balance = await client().call<Row & { accounts: Row[] }>(
        'GET',
        `/orgs/${encodeURIComponent(o.org)}/balance`,
      );
      if (o.json) return console.log(JSON.stringify(balance, null, 2));
      console.log(
        `balance ${formatCredits(balance.balanceMicro as number)}, available ${formatCredits(balance.availableMicro as number)}`,
      );
      printRows(
        balance.accounts,
        [
          { header: 'account', value: (a) => a.id },
          { header: 'kind', value: (a) => a.kind },
          { header: 'balance', value: (a) => formatCredits(a.balanceMicro as number) },
          { header: 'available', value: (a) => formatCredits(a.availableMicro as number) },
          { header: 'expires', value: (a) => a.expiresAt },
        ],
        {},
      );
    });

  orgOption(credits.command('statement').description('every transfer with its running balance, for a period'))
    .option('--since <time>', 'from this ISO 8601 time (a bare date is midnight UTC)')
    .option('--until <time>', 'until this ISO 8601 time, exclusive')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const query = new URLSearchParams();
      if (o.since !== undefined) query.set('since', o.since);
      if (o.until !== undefined) query.set('until', o.until);
      const statement = await client().call<Statement>(
        'GET',
        `/orgs/${encodeURIComponent(o.org)}/statement?${query.toString()}`,
      );
      if (o.csv) process.stdout.write(statementCsv(statement));
      else if (o.json) console.log(JSON.stringify(statement, null, 2));
      else {
        console.log(
          `opening ${formatCredits(statement.openingBalanceMicro)}, closing ${formatCredits(statement.closingBalanceMicro)}`,
        );
        if (statement.writtenOffMicro > 0) {
          console.log(
            `written off by the platform, not charged: ${formatCredits(statement.writtenOffMicro)} (usage beyond what requests held)`,
          );
        }
        console.log(
          statement.lines.length === 0
            ? '(no transfers)'
            : formatTable(statement.lines as unknown as Row[], statementColumns),
        );
      }
    });

  addLimitCommands(credits, client);
  return credits;
}

/** Budgets and rate limits, under `credits`. */
function addLimitCommands(credits: Command, client: () => AdminHttpClient): void {
  orgOption(credits.command('budgets').description("an organization's budgets and what they have spent this period"))
    .option('--json', 'print JSON')
    .action(async (o) => {
      const list = await client().call<{ data: Row[] }>('GET', `/orgs/${encodeURIComponent(o.org)}/budgets`);
      printRows(
        list.data,
        [
          { header: 'id', value: (b) => b.id },
          { header: 'scope', value: (b) => `${String(b.scope)}:${String(b.scopeId)}` },
          { header: 'period', value: (b) => b.period },
          { header: 'limit', value: (b) => formatCredits(b.limitMicro as number) },
          { header: 'spent', value: (b) => formatCredits(b.spentMicro as number) },
        ],
        o,
        list,
      );
    });

  orgOption(credits.command('set-budget').description('add a budget: a cap per day, month or fixed window'))
    .requiredOption('--scope <scope>', 'organization, project or key')
    .option('--scope-id <id>', 'the project or key id')
    .requiredOption('--period <period>', 'day, month or window')
    .option('--starts-at <time>', 'a window budget: its start')
    .option('--ends-at <time>', 'a window budget: its end')
    .requiredOption('--limit <credits>', 'the cap, in credits', parseCredits)
    .option('--json', 'print JSON')
    .action(async (o) => {
      const body = {
        scope: o.scope,
        scopeId: o.scopeId,
        period: o.period,
        startsAt: o.startsAt,
        endsAt: o.endsAt,
        limitMicro: o.limit,
      };
      printRecord(await client().call<Row>('POST', `/orgs/${encodeURIComponent(o.org)}/budgets`, body), o);
    });

  const deleteBudget = credits.command('delete-budget').description('remove a budget');
  orgOption(deleteBudget.argument('<budgetId>', 'the budget, as listed by budgets'))
    .option('--json', 'print JSON')
    .action(async (budgetId: string, o) => {
      const path = `/orgs/${encodeURIComponent(o.org)}/budgets/${encodeURIComponent(budgetId)}`;
      printRecord(await client().call<Row>('DELETE', path), o);
    });

  const setRateLimit = credits
    .command('set-rate-limit')
    .description('requests and tokens per minute for a project or key (operator); a limit not given is kept');
  orgOption(setRateLimit)
    .requiredOption('--scope <scope>', 'project or key')
    .requiredOption('--scope-id <id>', 'the project or key id')
    .option('--rpm <n>', 'requests per minute, or "none" to remove the limit', parseIntegerOrNone)
    .option('--tpm <n>', 'tokens per minute, or "none" to remove the limit', parseIntegerOrNone)
    .option('--json', 'print JSON')
    .action(async (o) => {
      if (o.rpm === undefined && o.tpm === undefined) setRateLimit.error('error: give --rpm, --tpm or both');
      const limits = { requestsPerMinute: apiValue(o.rpm), tokensPerMinute: apiValue(o.tpm) };
      const body = { scope: o.scope, scopeId: o.scopeId, ...limits };
      printRecord(await client().call<Row>('POST', `/orgs/${encodeURIComponent(o.org)}/rate-limits`, body), o);
    });
}
