import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type CreditHold, Ledger } from '../../src/ledger/index.js';
import { GroupCommitWriter, openSqliteStore } from '../../src/store/index.js';

/**
 * `npm run bench:ledger`: postings per second through the group-commit writer on SQLite
 * (the store as the server opens it), for the two ways credits move:
 * client transfers (`Ledger.transfer`, idempotency lookup included) and gateway charges
 * (a hold reserved in memory, its charge written in a job as the gateway's settlement writes
 * it). Writes bench/results/ledger.md.
 */

interface Scenario {
  readonly kind: 'transfer' | 'charge';
  readonly concurrency: number;
  readonly postings: number;
}

interface Result extends Scenario {
  readonly seconds: number;
  readonly postingsPerSecond: number;
  readonly transactions: number;
  readonly jobsPerTransaction: number;
}

const scenarios: readonly Scenario[] = [
  { kind: 'transfer', concurrency: 1, postings: 2_000 },
  { kind: 'transfer', concurrency: 64, postings: 20_000 },
  { kind: 'transfer', concurrency: 512, postings: 40_000 },
  { kind: 'charge', concurrency: 1, postings: 2_000 },
  { kind: 'charge', concurrency: 64, postings: 20_000 },
  { kind: 'charge', concurrency: 512, postings: 40_000 },
];
const resultsFile = fileURLToPath(new URL('../../../bench/results/ledger.md', import.meta.url));
const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 2_000_000 };

async function run(scenario: Scenario): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-bench-ledger-'));
  const store = await openSqliteStore(join(dir, 'ledger.sqlite'));
  const writer = new GroupCommitWriter(store);
  try {
    const ledger = await Ledger.open(store, writer);
    await ledger.openAccount({ id: 'org:bench', kind: 'organization', organizationId: 'bench' });
    await ledger.transfer({
      id: 'seed',
      debitAccountId: 'issuance',
      creditAccountId: 'org:bench',
      amountMicro: 1e15,
      code: 'deposit',
    });
    const before = writer.stats();
    let next = 0;
    const post = async (index: number) => {
      if (scenario.kind === 'transfer') {
        await ledger.transfer({
          id: `t${index}`,
          debitAccountId: 'org:bench',
          creditAccountId: 'revenue',
          amountMicro: 13,
          code: 'transfer',
        });
        return;
      }
      const subject = { organizationId: 'bench', projectId: 'main', apiKeyId: 'key', modelId: 'model' };
      const hold: CreditHold = await ledger.hold(subject, 500, prices, null);
      const usage = {
        id: `req_${index}`,
        createdAt: new Date().toISOString(),
        ...hold.price({ promptTokens: 5, completionTokens: 4 }),
      };
      await writer.submit((tx) => hold.writeCharge(tx, usage));
      hold.release();
    };
    const startedMs = performance.now();
    await Promise.all(
      Array.from({ length: scenario.concurrency }, async () => {
        for (let index = next++; index < scenario.postings; index = next++) await post(index);
      }),
    );
    const seconds = (performance.now() - startedMs) / 1000;
    const after = writer.stats();
    const transactions = after.transactionsCommitted - before.transactionsCommitted;
    if (ledger.account('org:bench')!.balanceMicro !== 1e15 - 13 * scenario.postings)
      throw new Error('the benchmark lost or doubled a posting');
    return {
      ...scenario,
      seconds,
      postingsPerSecond: scenario.postings / seconds,
      transactions,
      jobsPerTransaction: (after.jobsCommitted - before.jobsCommitted) / transactions,
    };
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: readonly Result[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.kind} | ${r.concurrency} | ${r.postings} | ${Math.round(r.postingsPerSecond).toLocaleString('en-US')} | ${r.transactions} | ${r.jobsPerTransaction.toFixed(1)} |`,
  );
  return [
    '# Ledger postings per second (SQLite, group commit)',
    '',
    `Measured by \`npm run bench:ledger\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Linux ${release()}, load average ${loadavg()[0]!.toFixed(1)} at the end.`,
    'One SQLite file opened by `openSqliteStore` (WAL; every acknowledged commit durable), the one group-commit writer with its',
    'defaults (a transaction starts once the last one is durable, at most 512 jobs). `concurrency` writers each wait for their',
    'posting to commit before the next, as requests do. Each run checks that the balance equals the sum of its postings (nothing lost or doubled).',
    '',
    '- **transfer**: `Ledger.transfer` as the admin API calls it: an idempotency lookup, a memory reservation, then a job',
    '  that looks the id up again, inserts the transfer and updates both accounts with the floor checked in SQL.',
    '- **charge**: what a gateway request adds to its settlement: a credit hold reserved in memory, then in the job the',
    '  charge transfer; the charges of one transaction are inserted together and change each account once, by their sum',
    '  (the usage record itself, which the request writes anyway, is not included).',
    '',
    '| kind | concurrency | postings | postings/s | transactions | postings per transaction |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Concurrency 1 is bounded by one durable commit per posting; with many requests in flight the writer shares one commit among',
    'hundreds of postings, and the cost per posting is the SQL itself: a transfer costs two account updates of its own,',
    'while a transaction of charges costs two updates in all.',
    '',
  ].join('\n');
}

const results: Result[] = [];
for (const scenario of scenarios) {
  const result = await run(scenario);
  console.log(
    `${result.kind} × ${result.concurrency}: ${Math.round(result.postingsPerSecond)} postings/s, ${result.jobsPerTransaction.toFixed(1)} per transaction`,
  );
  results.push(result);
}
mkdirSync(join(resultsFile, '..'), { recursive: true });
writeFileSync(resultsFile, report(results));
console.log(`wrote ${resultsFile}`);
