import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { loadServerConfig } from '../../src/config/index.js';
import { startPlatform } from '../../src/main.js';
import { UsageRollupFollower } from '../../src/metering/index.js';
import { GroupCommitWriter, openStore, type StoreDialect } from '../../src/store/index.js';
import { createTempPostgresDatabase } from '../../test/helpers/temp-postgres-database.js';
import { integerOption, listOption } from '../options.js';
import { type ConsoleCall, consoleCalls } from './console-calls.js';
import { type PageTiming, timeConsolePages } from './page-load.js';
import { seedModels, seedOrganizations, seedSites, seedUsage } from './seed-usage.js';

/*
 * `npm run bench:console`: seeds usage records over 90 days (1,000,000 by default) and their
 * rollups, starts a real platform on them, and times every admin API call the console
 * makes over HTTP, sequentially, as one user's browser would: p50 and p99 per call, on
 * SQLite and on PostgreSQL. Writes bench/results/console.md. The time to a usable page in
 * Chromium is to be added beside these once the console exists (web/).
 */

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '200' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    results: { type: 'string', default: 'console.md' },
  },
});
const recordCount = integerOption('records', values.records, 1000, 10_000_000);
const samples = integerOption('samples', values.samples, 10, 10_000);
const stores = listOption<StoreDialect>('stores', values.stores, ['sqlite', 'postgres']);
const days = 90;
const pageSamples = 5;
const warmupCalls = 5;
const adminToken = 'cw_admin_bench_token_0123456789abcdef';
if (!/^[\w.-]+\.md$/.test(values.results)) throw new RangeError('--results must be a file name such as console.md');
const resultsFile = fileURLToPath(new URL(`../../../bench/results/${values.results}`, import.meta.url));

interface Timing {
  readonly call: ConsoleCall;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bytes: number;
}

interface StoreResult {
  readonly dialect: StoreDialect;
  readonly seedSeconds: number;
  readonly rollupSeconds: number;
  readonly rollupRows: number;
  readonly timings: readonly Timing[];
  readonly pages: readonly PageTiming[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function quantile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function call(baseUrl: string, path: string, token: string): Promise<{ ms: number; bytes: number }> {
  const started = process.hrtime.bigint();
  const answer = await request(`${baseUrl}/admin/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await answer.body.arrayBuffer();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (answer.statusCode !== 200) throw new Error(`${path}: ${answer.statusCode} ${Buffer.from(body).toString()}`);
  return { ms, bytes: body.byteLength };
}

async function admin(baseUrl: string, method: 'POST' | 'PUT', path: string, body: unknown): Promise<any> {
  const answer = await request(`${baseUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`${method} ${path}: ${answer.statusCode} ${text}`);
  return JSON.parse(text);
}

/** The catalog the records name, through the admin API as an operator would make it. */
async function seedCatalog(baseUrl: string): Promise<string> {
  for (const site of seedSites)
    await admin(baseUrl, 'POST', '/sites', { id: site.id, name: site.id, jurisdiction: site.jurisdiction });
  for (const id of seedModels) {
    await admin(baseUrl, 'POST', '/models', { id, inputPriceMicroPerMtok: 100_000, outputPriceMicroPerMtok: 300_000 });
  }
  for (const organization of seedOrganizations) {
    await admin(baseUrl, 'POST', '/orgs', {
      id: organization.id,
      name: organization.id,
      homeJurisdiction: organization.home,
    });
    await admin(baseUrl, 'POST', `/orgs/${organization.id}/credits`, { amountMicro: 1_000_000_000 });
  }
  const key = await admin(baseUrl, 'POST', `/orgs/${seedOrganizations[0]!.id}/keys`, { role: 'org_admin' });
  return key.secret as string;
}

async function runOn(dialect: StoreDialect): Promise<StoreResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'commonweal-bench-console-'));
  const database = dialect === 'postgres' ? await createTempPostgresDatabase() : undefined;
  try {
    const nowMs = Date.now();
    const store = await openStore(database?.url, join(dataDir, 'commonweal.sqlite'));
    let started = performance.now();
    await seedUsage(store, recordCount, days, nowMs, (written) => {
      if (written % 100_000 === 0) log(`  ${dialect}: ${written} records`);
    });
    const seedSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const writer = new GroupCommitWriter(store);
    const follower = new UsageRollupFollower(writer, {
      intervalMs: 1000,
      recordsPerStepMax: 20_000,
      onError: (e) => log(String(e)),
    });
    await follower.catchUp();
    await writer.close();
    const rollupSeconds = (performance.now() - started) / 1000;
    const { n } = await store.db
      .selectFrom('usageRollups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await store.close();
    log(`  ${dialect}: seeded in ${seedSeconds.toFixed(0)} s, rolled up in ${rollupSeconds.toFixed(0)} s`);

    const config = loadServerConfig(
      { dataDir, port: 0, logLevel: 'silent' },
      {
        COMMONWEAL_ADMIN_TOKEN: adminToken,
        ...(database === undefined ? {} : { COMMONWEAL_DATABASE_URL: database.url }),
      },
    );
    const platform = await startPlatform(config);
    try {
      const orgAdminToken = await seedCatalog(platform.url);
      const timings: Timing[] = [];
      for (const c of consoleCalls(nowMs, seedOrganizations[0]!.id, `req_seed_${Math.floor(recordCount / 2)}`)) {
        const token = c.as === 'operator' ? adminToken : orgAdminToken;
        for (let i = 0; i < warmupCalls; i += 1) await call(platform.url, c.path, token);
        const times: number[] = [];
        let bytes = 0;
        for (let i = 0; i < samples; i += 1) {
          const sample = await call(platform.url, c.path, token);
          times.push(sample.ms);
          bytes = sample.bytes;
        }
        times.sort((a, b) => a - b);
        timings.push({ call: c, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99), bytes });
        log(
          `  ${dialect}: ${c.name}: p50 ${quantile(times, 0.5).toFixed(1)} ms, p99 ${quantile(times, 0.99).toFixed(1)} ms`,
        );
      }
      const pages = await timeConsolePages(platform.url, adminToken, pageSamples);
      for (const p of pages) log(`  ${dialect}: page ${p.page.name}: p50 ${p.p50Ms.toFixed(0)} ms`);
      return { dialect, seedSeconds, rollupSeconds, rollupRows: Number(n), timings, pages };
    } finally {
      await platform.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

function report(results: readonly StoreResult[]): string {
  const names = results[0]!.timings.map((t) => t.call);
  const header = `| call | who | ${results.map((r) => `${r.dialect} p50 ms | ${r.dialect} p99 ms`).join(' | ')} | bytes |`;
  const rule = `|---|---|${results.map(() => '---:|---:').join('|')}|---:|`;
  const rows = names.map((c, i) => {
    const cells = results.map((r) => `${r.timings[i]!.p50Ms.toFixed(1)} | ${r.timings[i]!.p99Ms.toFixed(1)}`);
    return `| ${c.name} | ${c.as} | ${cells.join(' | ')} | ${results[0]!.timings[i]!.bytes} |`;
  });
  const slowest = results.map((r) => `${r.dialect} ${Math.max(...r.timings.map((t) => t.p99Ms)).toFixed(1)} ms`);
  const seeds = results.map(
    (r) =>
      `- ${r.dialect}: ${recordCount.toLocaleString('en')} records seeded in ${r.seedSeconds.toFixed(0)} s; ` +
      `the rollup follower added them in ${r.rollupSeconds.toFixed(0)} s ` +
      `(${Math.round(recordCount / r.rollupSeconds).toLocaleString('en')} records/s) into ` +
      `${r.rollupRows.toLocaleString('en')} hourly and daily rows.`,
  );
  return [
    '# bench:console',
    '',
    `\`npm run bench:console\` on ${new Date().toISOString().slice(0, 10)}: ${recordCount.toLocaleString('en')} ` +
      `usage records over ${days} days (20 organizations, 6 sites, 6 models, skewed as real traffic), ` +
      `then every admin API call of the console over HTTP, one at a time, ${samples} samples after ` +
      `${warmupCalls} warm-up calls. ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end ` +
      '(the machine is shared). Target: p99 < 100 ms. Slowest p99: ' +
      `${slowest.join(', ')}.`,
    '',
    header,
    rule,
    ...rows,
    '',
    ...seeds,
    '',
    `Time to a usable page in Chromium (headless, a new context each time, so an empty cache; from navigation ` +
      `to the page showing its data; ${pageSamples} loads each):`,
    '',
    `| page | ${results.map((r) => `${r.dialect} p50 ms | ${r.dialect} max ms`).join(' | ')} |`,
    `|---|${results.map(() => '---:|---:').join('|')}|`,
    ...results[0]!.pages.map(
      (p, i) =>
        `| ${p.page.name} | ${results.map((r) => `${r.pages[i]!.p50Ms.toFixed(0)} | ${r.pages[i]!.maxMs.toFixed(0)}`).join(' | ')} |`,
    ),
    '',
  ].join('\n');
}

const results: StoreResult[] = [];
for (const dialect of stores) {
  log(`${dialect}:`);
  results.push(await runOn(dialect));
}
mkdirSync(fileURLToPath(new URL('../../../bench/results/', import.meta.url)), { recursive: true });
writeFileSync(resultsFile, report(results));
log(`wrote ${resultsFile}`);
