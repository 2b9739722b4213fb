import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  consistencyRanges,
  inclusionRanges,
  isStoredNode,
  type LeafRange,
  leavesOf,
  lowestStoredLevel,
  perfectNodes,
  TransparencyLog,
} from '../../src/audit/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { version } from '../../src/version.js';
import { integerOption } from '../options.js';
import { type AppendMode, appendModeLabels, type AppendSample, measureAppends } from './append-throughput.js';
import { loadTree } from './bulk-tree-loader.js';
import { cpuPerRequest, type GatewaySample, measureGateway, requestsPerSecond } from './gateway-receipts.js';
import { measureProofs, type ProofSample } from './proof-latency.js';

/*
 * `npm run bench:audit`: the transparency log's cost on the durable write path (metered
 * requests per second with and without receipts) and the time to answer roots and
 * proofs from a stored tree of a million and ten million leaves, and the whole
 * gateway's CPU per request with receipts on and off.
 * Options: --sizes 1000000,10000000  --requests 20000  --concurrency 256  --rounds 3  --proofs 1000
 *          --gateway-rounds 6  --gateway-windows 2  --gateway-seconds 3 (0 skips the gateway runs)
 */

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,10000000' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    proofs: { type: 'string', default: '1000' },
    'gateway-rounds': { type: 'string', default: '6' },
    'gateway-windows': { type: 'string', default: '2' },
    'gateway-seconds': { type: 'string', default: '3' },
    'report-only': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map((size) => integerOption('sizes', size, 1, 100_000_000));
const requests = integerOption('requests', values.requests, 1, 10_000_000);
const concurrency = integerOption('concurrency', values.concurrency, 1, 4_096);
const rounds = integerOption('rounds', values.rounds, 1, 20);
const proofCount = integerOption('proofs', values.proofs, 1, 1_000_000);
const gatewayRounds = integerOption('gateway-rounds', values['gateway-rounds'], 1, 50);
const gatewayWindows = integerOption('gateway-windows', values['gateway-windows'], 1, 50);
const gatewaySeconds = integerOption('gateway-seconds', values['gateway-seconds'], 0, 600);

interface TreeSample {
  readonly size: number;
  readonly buildSeconds: number;
  readonly databaseBytes: number;
  readonly readsMax: Record<ProofSample['kind'], Reads>;
  readonly proofs: ProofSample[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const modes: readonly AppendMode[] = ['usage', 'digests', 'receipts'];
type AppendRounds = Record<AppendMode, AppendSample[]>;

async function appendRounds(): Promise<AppendRounds> {
  const samples: AppendRounds = { usage: [], digests: [], receipts: [] };
  // Alternating rounds, so that a slow spell of the machine weighs on every mode alike.
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of modes) samples[mode].push(await measureAppends(mode, requests, concurrency));
    console.log(
      `round ${round + 1}: ${modes.map((m) => `${m} ${fmt(samples[m].at(-1)!.perSecond)} req/s`).join(', ')}`,
    );
  }
  return samples;
}

/** What a root or proof reads from the store: the stored nodes it is made of, and the leaves under the nodes the store does not keep. */
interface Reads {
  readonly nodes: number;
  readonly leaves: number;
}

function readsOf(ranges: readonly LeafRange[]): Reads {
  const ids = ranges.flatMap(perfectNodes);
  const low = ids.filter((id) => !isStoredNode(id)).map(leavesOf);
  return { nodes: ids.length - low.length, leaves: low.reduce((sum, { begin, end }) => sum + end - begin, 0) };
}

/** The most any root or proof at this size reads, from the plan alone, over a sweep of indices. */
function readsMax(size: number): Record<ProofSample['kind'], Reads> {
  const max = {
    root: readsOf([{ begin: 0, end: size }]),
    inclusion: { nodes: 0, leaves: 0 },
    consistency: { nodes: 0, leaves: 0 },
  };
  const widen = (a: Reads, b: Reads): Reads => ({
    nodes: Math.max(a.nodes, b.nodes),
    leaves: Math.max(a.leaves, b.leaves),
  });
  const step = Math.max(1, Math.floor(size / 5_000));
  for (let i = 0; i < size; i += step) {
    max.inclusion = widen(max.inclusion, readsOf(inclusionRanges(i, size)));
    if (i > 0) max.consistency = widen(max.consistency, readsOf(consistencyRanges(i, size)));
  }
  return max;
}

async function treeSample(size: number): Promise<TreeSample> {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-bench-tree-'));
  const path = join(dir, 'commonweal.sqlite');
  try {
    await (await openSqliteStore(path)).close();
    const started = performance.now();
    const root = loadTree(path, size, (done) => {
      if (done % 1_000_000 === 0) console.log(`  ${fmt(done)} leaves loaded`);
    });
    const buildSeconds = (performance.now() - started) / 1000;
    const store = await openSqliteStore(path);
    const log = new TransparencyLog(store);
    if (!(await log.rootAt(size)).equals(root))
      throw new Error(`the stored root of ${size} leaves differs from the loader's`);
    const proofs = await measureProofs(log, size, proofCount);
    await store.close();
    return { size, buildSeconds, databaseBytes: statSync(path).size, readsMax: readsMax(size), proofs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gatewayLines(samples: readonly GatewaySample[]): string[] {
  if (samples.length === 0) return [];
  const lines = [
    `## The gateway with receipts on and off (${gatewayRounds} rounds of ${gatewayWindows} interleaved windows of ${gatewaySeconds} s per build and workload)`,
    '',
    "The gateway benchmark's harness (bench/gateway, imported unchanged): its fast upstream, `commonweal serve` pinned to core 0, autocannon with",
    '32 connections on core 1. "Off" is a copy of this build with the receipt writer and the digests patched out (bench/feature-builds.ts).',
    'Both builds run at once on core 0 and take the load by turns, a few seconds each, the other idle meanwhile (bench/audit/gateway-receipts.ts).',
    '',
    '| workload | off req/s | on req/s | throughput loss | off CPU µs/req | on CPU µs/req | **loss at the same CPU** | each round | window pairs: median (range) | target < 10% |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ];
  const lossOf = (off: readonly GatewaySample[], on: readonly GatewaySample[]) =>
    (1 - cpuPerRequest(off) / cpuPerRequest(on)) * 100;
  for (const mode of ['json', 'stream'] as const) {
    const of = (receipts: boolean, more: (s: GatewaySample) => boolean = () => true) =>
      samples.filter((s) => s.mode === mode && s.receipts === receipts && more(s));
    const off = requestsPerSecond(of(false));
    const on = requestsPerSecond(of(true));
    const loss = (1 - on / off) * 100;
    // A proxy that saturates its core serves 1/(CPU per request): the CPU ratio is the throughput ratio, without the noise of other jobs.
    const cpuLoss = lossOf(of(false), of(true));
    const roundIds = [...new Set(samples.map((s) => s.round))];
    const roundLosses = roundIds.map((round) =>
      lossOf(
        of(false, (s) => s.round === round),
        of(true, (s) => s.round === round),
      ),
    );
    const pairLosses = roundIds.flatMap((round) =>
      [...new Set(samples.map((s) => s.window))].map((w) =>
        lossOf(
          of(false, (s) => s.round === round && s.window === w),
          of(true, (s) => s.round === round && s.window === w),
        ),
      ),
    );
    const failed = samples.filter((s) => s.mode === mode).reduce((sum, s) => sum + s.sample.failed, 0);
    lines.push(
      `| chat, ${mode === 'json' ? 'non-streaming' : 'streaming (SSE)'}${failed > 0 ? ` (${failed} failed)` : ''} | ${fmt(off)} | ${fmt(on)} | ${fmt(loss, 1)}% | ${fmt(cpuPerRequest(of(false)))} | ${fmt(cpuPerRequest(of(true)))} | **${fmt(cpuLoss, 1)}%** | ${roundLosses.map((l) => `${fmt(l, 1)}%`).join(', ')} | ${fmt(median(pairLosses), 1)}% (${fmt(Math.min(...pairLosses), 1)}% to ${fmt(Math.max(...pairLosses), 1)}%) | ${cpuLoss < 10 ? 'met' : '**missed**'} |`,
    );
  }
  lines.push(
    '',
    'Where the cost goes: the receipt leaf is one row of about 700 bytes (and, one leaf in 16, the subtree hashes it completes) and',
    "its index on the usage record, written on the event loop's thread (better-sqlite3 runs every statement there); building it takes the canonical JSON,",
    'the leaf hash and the tree append; the digests hash both bodies as they pass; and the kernel writes and syncs a larger WAL.',
    '`npm run bench:records` measures the leaf on its own, beside the usage record and the charge.',
    'CPU per request is the measure to judge by: req/s swings with other jobs on the machine much more. The loss is that of all',
    'windows together; a single window pair still moves by several points either way, as the range shows, and so does a single',
    'round: each starts both servers anew, and two servers of the very same build differ by a few percent from start to stop.',
  );
  return [...lines, ''];
}

function report({ appends, trees, gateway, seconds, loadAverageAtStart, date }: Measured): string {
  const rate = (m: AppendMode) => median(appends[m].map((s) => s.perSecond));
  const cpuOf = (m: AppendMode) => median(appends[m].map((s) => s.cpuMicrosPerRequest));
  const digestCpu = cpuOf('digests') - cpuOf('usage');
  const leafCpu = cpuOf('receipts') - cpuOf('digests');
  const cpu = cpus()[0]?.model ?? 'unknown';
  const lines = [
    '# Transparency log benchmark',
    '',
    `Written by \`npm run bench:audit\` (${fmt(seconds)} s). One run on the machine below; rerun to compare.`,
    '',
    '| CPU | cores | Node | commonweal | kernel | date | load average at start |',
    '| --- | ---: | --- | --- | --- | --- | ---: |',
    `| ${cpu} | ${cpus().length} | ${process.version} | ${version} | ${release()} | ${date} | ${fmt(loadAverageAtStart, 2)} |`,
    '',
    'Other jobs on the machine (a load average above 0) make every figure noisier; compare runs taken alike.',
    '',
    `## Appends: metered requests per second, with and without receipts (median of ${rounds} alternating rounds)`,
    '',
    `${fmt(requests)} requests, ${concurrency} in flight, SQLite (WAL, each acknowledged commit synced) through the group-commit writer, no HTTP. Digests: SHA-256`,
    'of a 3 KB request body and of a 256-event SSE answer (45 KB). Receipt leaf: the canonical receipt as one leaf row with the subtree hashes it completes, in the same transaction.',
    '',
    '| path | requests/s | CPU µs/request | transactions |',
    '| --- | ---: | ---: | ---: |',
    ...modes.map(
      (m) =>
        `| ${appendModeLabels[m]} | ${fmt(rate(m))} | ${fmt(cpuOf(m))} | ${fmt(median(appends[m].map((s) => s.transactions)))} |`,
    ),
    '',
    `Per request, receipts cost **${fmt(digestCpu)} µs** of CPU for the digests (they grow with the answer: here a 3 KB body and a 45 KB answer in 256 pieces)`,
    `and **${fmt(leafCpu)} µs** for the receipt leaf. On this write path alone that is ${fmt((1 - rate('receipts') / rate('usage')) * 100, 1)}% of the throughput; a request through`,
    'the gateway also pays for HTTP and the relay, which this run leaves out (bench/results/gateway.md reports that CPU per request).',
    '',
    ...gatewayLines(gateway),
    '## Roots and proofs from a stored tree',
    '',
    `${fmt(proofCount)} of each per size, random leaves and older sizes, every inclusion proof (and every 50th consistency proof) verified against the root.`,
    "The tree is loaded in the log's own layout by `bench/audit/bulk-tree-loader.ts` (prepared statements, large transactions); its root is checked against the log's.",
    '',
    '| leaves | build s | database | kind | p50 ms | p99 ms | max ms | hashes/proof max | stored nodes read max | leaves read max |',
    '| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const tree of trees) {
    for (const p of tree.proofs) {
      const reads = tree.readsMax[p.kind];
      lines.push(
        `| ${fmt(tree.size)} | ${fmt(tree.buildSeconds)} | ${fmt(tree.databaseBytes / 2 ** 20)} MiB | ${p.kind} | ${fmt(p.p50Ms, 3)} | ${fmt(p.p99Ms, 3)} | ${fmt(p.maxMs, 3)} | ${p.kind === 'root' ? '—' : p.hashesPerProofMax} | ${reads.nodes} | ${reads.leaves} |`,
      );
    }
  }
  lines.push(
    '',
    `A root or proof is one primary-key query for at most a few dozen perfect-subtree hashes of level ${lowestStoredLevel} and up, kept on the rows of the leaves they end at, and one for the leaves under the few`,
    `lower ones (fewer than ${2 * 2 ** lowestStoredLevel}), whatever the size: the times above grow with log n, not n.`,
  );
  return `${lines.join('\n')}\n`;
}

interface Measured {
  readonly loadAverageAtStart: number;
  readonly date: string;
  readonly seconds: number;
  readonly appends: AppendRounds;
  readonly gateway: GatewaySample[];
  readonly trees: TreeSample[];
}

async function measure(): Promise<Measured> {
  const loadAverageAtStart = loadavg()[0]!;
  const started = performance.now();
  const appends = await appendRounds();
  const gateway = gatewaySeconds > 0 ? await measureGateway(gatewayRounds, gatewayWindows, gatewaySeconds, 3) : [];
  const trees: TreeSample[] = [];
  for (const size of sizes) {
    console.log(`building a tree of ${fmt(size)} leaves`);
    trees.push(await treeSample(size));
    console.log(
      `  proofs at ${fmt(size)}: ${trees
        .at(-1)!
        .proofs.map((p) => `${p.kind} p50 ${fmt(p.p50Ms, 3)} ms`)
        .join(', ')}`,
    );
  }
  return {
    loadAverageAtStart,
    date: new Date().toISOString(),
    seconds: (performance.now() - started) / 1000,
    appends,
    gateway,
    trees,
  };
}

// --report-only renders the last run's bench/results/audit.json again, for a change to the report alone.
const measured: Measured = values['report-only']
  ? (JSON.parse(readFileSync('bench/results/audit.json', 'utf8')) as { measured: Measured }).measured
  : await measure();
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/audit.md', report(measured));
if (!values['report-only']) {
  writeFileSync(
    'bench/results/audit.json',
    `${JSON.stringify({ settings: { sizes, requests, concurrency, rounds, proofCount, gatewayRounds, gatewayWindows, gatewaySeconds }, measured }, null, 2)}\n`,
  );
}
console.log('wrote bench/results/audit.md');
