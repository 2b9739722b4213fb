import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExchangeDigest, TransparencyLog } from '../../src/audit/index.js';
import type { Site } from '../../src/catalog/index.js';
import { type InferenceRequest, settleRequest } from '../../src/gateway/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { newUsageRecord, UsageRepository, unmetered } from '../../src/metering/index.js';
import { GroupCommitWriter, newTimeOrderedId, openSqliteStore } from '../../src/store/index.js';

/*
 * `npm run bench:records`: the CPU a gateway request spends on its durable records, on
 * their own: the usage record, its charge and its receipt, written through the real
 * settlement function (`settleRequest`) and group-commit writer into an SQLite file opened as the
 * server opens it (WAL, each acknowledged commit synced). CPU time is the whole
 * process's, every thread included (the syncs on libuv's pool, the WAL checkpointer),
 * as the gateway benchmark counts it for the pinned proxy. Set beside the bare proxy's
 * CPU per request from bench/results/gateway.json, it bounds what any proxy that keeps
 * these records can reach on one core. Writes bench/results/records.md.
 */

type Level = 'transaction' | 'usage' | 'charge' | 'receipt';

const levels: readonly Level[] = ['transaction', 'usage', 'charge', 'receipt'];
const levelNames: Readonly<Record<Level, string>> = {
  transaction: 'an empty job (its share of a transaction and its sync)',
  usage: '+ the usage record',
  charge: '+ the charge (transfer, balances)',
  receipt: '+ the receipt (transparency-log leaf)',
};
const concurrency = 32;
const requestsPerRun = 30_000;
const warmupRequests = 5_000;
const rounds = 3;
const resultsFile = fileURLToPath(new URL('../../../bench/results/records.md', import.meta.url));
const gatewayResultsFile = fileURLToPath(new URL('../../../bench/results/gateway.json', import.meta.url));
const prices = { inputPriceMicroPerMtok: 100_000, outputPriceMicroPerMtok: 300_000 };
const requestBody = JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
const responseBody = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
});

interface Sample {
  readonly level: Level;
  readonly cpuMicrosPerRequest: number;
  readonly jobsPerTransaction: number;
}

async function measure(level: Level): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-bench-records-'));
  const store = await openSqliteStore(join(dir, 'commonweal.db'));
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
    const settlement = {
      usage: new UsageRepository(store),
      receipts: level === 'receipt' ? new TransparencyLog(store) : undefined,
    };
    const site = { accelerators: [{ vendor: 'nvidia', type: 'H100' }] } as unknown as Site;
    const request = async (): Promise<void> => {
      if (level === 'transaction') {
        await writer.submit(async () => undefined);
        return;
      }
      const hold =
        level === 'usage'
          ? null
          : await ledger.hold(
              { organizationId: 'bench', projectId: 'main', apiKeyId: 'key_bench', modelId: 'm1' },
              10_000,
              prices,
              null,
            );
      const record = newUsageRecord({
        id: newTimeOrderedId('req'),
        organizationId: 'bench',
        projectId: 'main',
        apiKeyId: 'key_bench',
        modelId: 'm1',
        endpoint: 'chat.completions',
        deploymentId: 'd1',
        siteId: 's1',
        jurisdiction: 'DE',
        promptTokens: 12,
        completionTokens: 9,
        totalTokens: 21,
        usageEstimated: false,
        firstByteMs: 1,
        totalMs: 2,
        status: 200,
        outcome: 'success',
        errorCode: null,
        streamed: false,
        policyVersion: 1,
        ...(hold?.price({ promptTokens: 12, completionTokens: 9 }) ?? unmetered),
      });
      // The request as settlement reads it: its hold, and for its receipt the digests of what was exchanged.
      const digest = level === 'receipt' ? new ExchangeDigest(Buffer.from(requestBody)) : undefined;
      digest?.relayed(responseBody);
      const request = { hold, digest } as unknown as InferenceRequest;
      try {
        await writer.submit((tx) => settleRequest(tx, settlement, record, { request, routed: null, site }));
      } finally {
        hold?.release();
      }
    };
    const load = async (count: number): Promise<void> => {
      let left = count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left > 0) {
            left -= 1;
            await request();
          }
        }),
      );
    };
    await load(warmupRequests);
    const before = writer.stats();
    const cpu = process.cpuUsage();
    await load(requestsPerRun);
    const used = process.cpuUsage(cpu);
    const after = writer.stats();
    return {
      level,
      cpuMicrosPerRequest: (used.user + used.system) / requestsPerRun,
      jobsPerTransaction:
        (after.jobsCommitted - before.jobsCommitted) / (after.transactionsCommitted - before.transactionsCommitted),
    };
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The bare proxy's CPU per non-streamed request in the last gateway benchmark, if there is one. */
function bareProxyCpuMicros(): { readonly micros: number; readonly date: string } | undefined {
  if (!existsSync(gatewayResultsFile)) return undefined;
  const results = JSON.parse(readFileSync(gatewayResultsFile, 'utf8')) as {
    machine: { date: string };
    targets: { target: { label: string }; saturation: { json: { proxyCpuMicrosPerRequest: number | null }[] } }[];
  };
  const bare = results.targets.find((t) => t.target.label === 'B');
  const samples =
    bare?.saturation.json.map((s) => s.proxyCpuMicrosPerRequest).filter((v): v is number => v !== null) ?? [];
  return samples.length === 0 ? undefined : { micros: median(samples), date: results.machine.date };
}

function report(samples: readonly Sample[]): string {
  const byLevel = (level: Level) => samples.filter((s) => s.level === level);
  const cpuOf = (level: Level) => median(byLevel(level).map((s) => s.cpuMicrosPerRequest));
  const rows = levels.map((level, i) => {
    const own = i === 0 ? cpuOf(level) : cpuOf(level) - cpuOf(levels[i - 1]!);
    const perRound = byLevel(level)
      .map((s) => s.cpuMicrosPerRequest.toFixed(1))
      .join(', ');
    return `| ${levelNames[level]} | ${cpuOf(level).toFixed(1)} | ${own.toFixed(1)} | ${median(byLevel(level).map((s) => s.jobsPerTransaction)).toFixed(1)} | ${perRound} |`;
  });
  const all = cpuOf('receipt');
  const bare = bareProxyCpuMicros();
  const bound =
    bare === undefined
      ? ["Run `npm run bench:gateway` first to set these figures beside the bare proxy's CPU per request."]
      : [
          `The bare proxy of \`npm run bench:gateway\` (${bare.date}) spent ${bare.micros.toFixed(0)} µs of CPU per non-streamed request. A proxy that`,
          `does what it does and also keeps these records spends at least ${bare.micros.toFixed(0)} + ${all.toFixed(0)} µs, so on one core it reaches at`,
          `most **${(bare.micros / (bare.micros + all)).toFixed(2)}×** the bare proxy's throughput, whatever else it skips.`,
        ];
  return [
    "# What a request's durable records cost",
    '',
    `Measured by \`npm run bench:records\` on ${new Date().toISOString()}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Linux ${release()}, load average ${loadavg()[0]!.toFixed(1)} at the end.`,
    `${concurrency} requests in flight, as the gateway benchmark's connections; ${requestsPerRun.toLocaleString('en-US')} requests per run after ${warmupRequests.toLocaleString('en-US')} to warm up;`,
    `${rounds} rounds, the levels interleaved, median. Each level is the real settlement function and group-commit writer`,
    "on an SQLite file opened as the server opens it; CPU is the whole process's, every thread included.",
    '',
    '| what each request writes | CPU µs per request | of which this line | requests per transaction | every round |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    ...bound,
    '',
  ].join('\n');
}

const samples: Sample[] = [];
for (let round = 1; round <= rounds; round += 1) {
  for (const level of levels) {
    const sample = await measure(level);
    console.log(
      `round ${round}: ${level}: ${sample.cpuMicrosPerRequest.toFixed(1)} µs CPU per request, ${sample.jobsPerTransaction.toFixed(1)} per transaction`,
    );
    samples.push(sample);
  }
}
mkdirSync(join(resultsFile, '..'), { recursive: true });
writeFileSync(resultsFile, report(samples));
console.log(`wrote ${resultsFile}`);
