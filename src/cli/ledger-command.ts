import { Command } from 'commander';
import type { LedgerVerification } from '../ledger/index.js';
import type { AdminHttpClient } from './admin-http-client.js';
import { formatCredits } from './credits-amount.js';
import { printRows } from './output.js';

type Row = Record<string, unknown>;

/** `commonweal ledger …`: checks and housekeeping of the credits ledger (operator). */
export function ledgerCommand(client: () => AdminHttpClient): Command {
  const ledger = new Command('ledger').description(
    'the credits ledger: verify its invariants, list accounts, sweep expired holds',
  );

  ledger
    .command('verify')
    .description(
      'zero sum, balances equal to their transfers, floors, every usage record charged, no overdue hold; exits 1 on any problem',
    )
    .option('--json', 'print JSON')
    .action(async (o) => {
      const result = await client().call<LedgerVerification>('GET', '/ledger/verify');
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(
          `${result.ok ? 'ok' : 'FAILED'}: ${result.accounts} accounts, ${result.transfers} transfers, ${result.usageRecords} usage records`,
        );
        for (const problem of result.problems) console.log(`  - ${problem}`);
      }
      if (!result.ok) process.exitCode = 1;
    });

  ledger
    .command('accounts')
    .description('every account with its balance, pending debits and floor')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const list = await client().call<{ data: Row[] }>('GET', '/ledger/accounts');
      printRows(
        list.data,
        [
          { header: 'id', value: (a) => a.id },
          { header: 'kind', value: (a) => a.kind },
          { header: 'balance', value: (a) => formatCredits(a.balanceMicro as number) },
          { header: 'pending', value: (a) => formatCredits(a.debitsPendingMicro as number) },
          { header: 'floor', value: (a) => (a.floorMicro === null ? 'none' : formatCredits(a.floorMicro as number)) },
        ],
        o,
        list,
      );
    });

  ledger
    .command('sweep')
    .description('void holds past their timeout and return expired grants now, rather than at the next sweep')
    .action(async () => {
      const result = await client().call<{ holds: number; grants: number }>('POST', '/ledger/sweep');
      console.log(`expired ${result.holds} holds and ${result.grants} grants`);
    });

  return ledger;
}
