import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createTempPostgresDatabase } from '../../test/helpers/temp-postgres-database.js';
import { Ledger } from '../../src/ledger/index.js';
import { GroupCommitWriter, openPostgresStore, type Store } from '../../src/store/index.js';

/**
 * `node dist/bench/holds/run.js`: the two designs for credit holds that replicas share,
 * measured on this machine's PostgreSQL and Redis. Each operation reserves a hold and
 * ends it, as a request does:
 *
 * - postgres: `ledger_reserve_hold` (row lock on the account, the sum of its open holds,
 *   one insert; one round trip), then the delete of the hold's rows;
 * - redis: a Lua script that checks and raises the account's reserved sum and records
 *   the hold with its expiry, then a script that ends it.
 *
 * Reported per operation: wall-clock latency (p50, p99), the bench process's CPU, and
 * the server's CPU (the PostgreSQL backends of the bench's own connections, read from
 * /proc; Redis's own account of its EVALSHA time, from INFO commandstats). Writes
 * bench/results/holds.md.
 */

const operations = 3_000;
const concurrencies = [1, 32] as const;
const resultsFile = fileURLToPath(new URL('../../../bench/results/holds.md', import.meta.url));
const ticksPerSecond = 100;

const reserveScript = `
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local balance = tonumber(redis.call('HGET', KEYS[1], 'balance') or '0')
local amount = tonumber(ARGV[2])
if balance - reserved < amount then return 0 end
redis.call('HINCRBY', KEYS[1], 'reserved', amount)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], amount)
return 1
`;
const endScript = `
local amount = redis.call('HGET', KEYS[3], ARGV[1])
if not amount then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(amount))
return 1
`;

interface Measured {
  readonly design: 'postgres' | 'redis';
  readonly concurrency: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly clientCpuUs: number;
  readonly serverCpuUs: number;
  readonly opsPerSecond: number;
}

/** One reservation and its end; resolves with how long the reservation took, in ms. */
type Operation = (index: number) => Promise<number>;

async function measure(
  concurrency: number,
  operation: Operation,
  serverCpuUs: () => Promise<number>,
): Promise<Omit<Measured, 'design'>> {
  for (let i = 0; i < 200; i++) await operation(-i - 1);
  const latencies: number[] = [];
  const serverBefore = await serverCpuUs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < operations) {
        const index = next++;
        latencies.push(await operation(index));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverUs = (await serverCpuUs()) - serverBefore;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    clientCpuUs: (cpu.user + cpu.system) / operations,
    serverCpuUs: serverUs / operations,
    opsPerSecond: operations / seconds,
  };
}

/** CPU of the PostgreSQL backends serving this database's connections, in microseconds. */
async function backendCpuUs(store: Store, databaseName: string): Promise<number> {
  const rows = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${databaseName}`.execute(
    store.db,
  );
  let ticks = 0;
  for (const { pid } of rows.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // A backend that ended meanwhile adds nothing more.
    }
  }
  return (ticks * 1_000_000) / ticksPerSecond;
}

async function postgresDesign(concurrency: number): Promise<Measured> {
  const database = await createTempPostgresDatabase();
  const store = await openPostgresStore(database.url, { connectionsMax: concurrency });
  const writer = new GroupCommitWriter(store);
  try {
    const ledger = await Ledger.open(store, writer);
    await ledger.openAccount({ id: 'org:bench', kind: 'organization', organizationId: 'bench' });
    await ledger.transfer({
      id: 'seed',
      debitAccountId: 'issuance',
      creditAccountId: 'org:bench',
      amountMicro: 1_000_000_000,
      code: 'deposit',
    });
    const operation: Operation = async (index) => {
      const id = `hold-${index}`;
      const t0 = performance.now();
      const reserved = await sql<{ accountId: string | null }>`select * from ledger_reserve_hold(${id},
        ${['org:bench']}::text[], ${100}, ${Date.now() + 60_000}, ${new Date().toISOString()})`.execute(store.db);
      const reservedMs = performance.now() - t0;
      if (reserved.rows[0]?.accountId !== 'org:bench') throw new Error('reservation refused');
      await store.db.deleteFrom('ledgerRequestHolds').where('id', '=', id).execute();
      return reservedMs;
    };
    const measured = await measure(concurrency, operation, () => backendCpuUs(store, database.name));
    return { design: 'postgres', ...measured };
  } finally {
    await writer.close();
    await store.close();
    await database.drop();
  }
}

async function evalshaUs(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  const line = info.split('\n').find((l) => l.startsWith('cmdstat_evalsha:'));
  return Number(/usec=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

async function redisDesign(concurrency: number): Promise<Measured> {
  const redis = new Redis('redis://127.0.0.1:6379');
  const prefix = `bench-holds:${process.pid}:${concurrency}:`;
  const keys = [`${prefix}account`, `${prefix}expiries`, `${prefix}amounts`];
  try {
    await redis.hset(keys[0]!, 'balance', 1_000_000_000, 'reserved', 0);
    const reserveSha = (await redis.script('LOAD', reserveScript)) as string;
    const endSha = (await redis.script('LOAD', endScript)) as string;
    const operation: Operation = async (index) => {
      const id = `hold-${index}`;
      const t0 = performance.now();
      const reserved = await redis.evalsha(reserveSha, 3, ...keys, id, 100, Date.now() + 60_000);
      const reservedMs = performance.now() - t0;
      if (reserved !== 1) throw new Error('reservation refused');
      await redis.evalsha(endSha, 3, ...keys, id);
      return reservedMs;
    };
    const measured = await measure(concurrency, operation, () => evalshaUs(redis));
    return { design: 'redis', ...measured };
  } finally {
    await redis.del(...keys);
    redis.disconnect();
  }
}

const results: Measured[] = [];
for (const concurrency of concurrencies) {
  results.push(await postgresDesign(concurrency));
  results.push(await redisDesign(concurrency));
}
const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
const table = [
  '| design | concurrency | reserve p50 ms | reserve p99 ms | bench CPU µs/op | server CPU µs/op | ops/s |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.design} | ${r.concurrency} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.clientCpuUs)} | ${f(r.serverCpuUs)} | ${f(r.opsPerSecond)} |`,
  ),
].join('\n');
const report = `# Shared credit holds: PostgreSQL row lock vs Redis Lua

\`node dist/bench/holds/run.js\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores
(${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0]!.toFixed(1)} (other work shares the machine).
One operation = reserve a hold of 100 micro-credits on one account (the latency columns: what a
request waits before its model is called), then end it (a commit of its own here; in the gateway
the end rides in the settlement's group commit); ${operations} per run; CPU counts both.
Server CPU: PostgreSQL backends of the bench's connections (/proc, 10 ms ticks: coarse), or
Redis's EVALSHA time (INFO commandstats, which leaves out its network and parsing work).

${table}
`;
writeFileSync(resultsFile, report);
console.log(report);
