import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import type { BenchResults, BenchSettings, MachineFacts, RateBasis, TargetResults } from './bench-results.js';
import { type BenchTarget, chatBody, chatPath, type WorkloadMode } from './bench-target.js';
import { benchGatewayConfig, type CommonwealInstance, startCommonweal } from './commonweal-instance.js';
import { holdConcurrentStreams } from './concurrent-streams.js';
import { exitWhenDone } from './exit-when-done.js';
import { renderGatewayReport } from './gateway-report.js';
import { runOpenLoop } from './open-loop-run.js';
import { PinnedProcess } from './pinned-process.js';
import { probeFsync } from './fsync-probe.js';
import { memoryBytes } from './proc-stats.js';
import { median, percentile } from './sample-stats.js';
import { boundedOption } from '../options.js';
import { runSaturation } from './saturation-run.js';
import { measureOneConnection } from './one-connection-latency.js';
import { countTargetInstructions, type InstructionTarget } from './instruction-phase.js';
import { ensurePortkeyInstalled } from './portkey-install.js';
import { portkeyRoutingHeaders } from './portkey-routing.js';
import { callgrindAvailable, callgrindStartTimeoutMs, callgrindWrapper } from '../instructions/callgrind-count.js';
import { countUsageRecords, type UsageCensus } from './usage-census.js';

/**
 * `npm run bench:gateway`: measures Commonweal against the same upstream reached directly,
 * through a bare Node proxy and through Portkey's gateway (`--no-portkey` leaves it out),
 * interleaved, and writes bench/results/gateway.md. The proxies run on core 0, this
 * process (the load generator) and the upstream on core 1. `--instructions` then counts
 * each proxy's user-space instructions per request under valgrind's callgrind (minutes).
 */

const proxyCore = 0;
const loadCore = 1;
const modes: readonly WorkloadMode[] = ['json', 'stream'];
const rateBases: readonly RateBasis[] = ['bare', 'commonweal', 'fixed'];
// The fixed rate, the same for every target and workload.
const fixedRatePerSec = 1_000;
// The whole run stops itself after this, whatever state it is in; counting instructions
// under valgrind takes up to `instructionTimeMsMax` more.
const runTimeMsMax = 12 * 60_000;
const instructionTimeMsMax = 60 * 60_000;
const fsyncProbes = 100;
const ttfbWarmupRequests = 20;
const resultsDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const distBench = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));

function readSettings(): BenchSettings {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      'saturation-seconds': { type: 'string', default: '4' },
      'warmup-seconds': { type: 'string', default: '2' },
      'rate-rounds': { type: 'string', default: '2' },
      'rate-seconds': { type: 'string', default: '3' },
      'rate-warmup-seconds': { type: 'string', default: '1' },
      'rate-fraction': { type: 'string', default: '0.5' },
      'ttfb-requests': { type: 'string', default: '200' },
      streams: { type: 'string', default: '1000' },
      portkey: { type: 'boolean', default: true },
      instructions: { type: 'boolean', default: false },
      'instruction-requests': { type: 'string', default: '6000' },
      'instruction-warmup': { type: 'string', default: '3000' },
    },
    allowNegative: true,
  });
  const bounded = (name: Exclude<keyof typeof values, 'portkey' | 'instructions'>, min: number, max: number): number =>
    boundedOption(name, values[name], min, max);
  return {
    rounds: Math.round(bounded('rounds', 1, 9)),
    connections: Math.round(bounded('connections', 1, 512)),
    saturationSeconds: bounded('saturation-seconds', 1, 60),
    warmupSeconds: bounded('warmup-seconds', 0, 30),
    rateRounds: Math.round(bounded('rate-rounds', 1, 9)),
    rateSeconds: bounded('rate-seconds', 1, 60),
    rateWarmupSeconds: bounded('rate-warmup-seconds', 0, 10),
    rateFraction: bounded('rate-fraction', 0.05, 1),
    rateConnections: 256,
    ttfbRequests: Math.round(bounded('ttfb-requests', 10, 5_000)),
    streams: Math.round(bounded('streams', 1, 5_000)),
    gatewayConfig: benchGatewayConfig,
    portkey: values.portkey,
    instructions: values.instructions
      ? {
          counted: Math.round(bounded('instruction-requests', 100, 1_000_000)),
          warmup: Math.round(bounded('instruction-warmup', 0, 1_000_000)),
        }
      : null,
  };
}

function machineFacts(loadAverageAtStart: number): MachineFacts {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    nodeVersion: process.version,
    commonwealVersion: pkg.version,
    kernel: release(),
    date: new Date().toISOString(),
    loadAverageAtStart,
  };
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Rotates the targets so that no target always runs first (warmest caches, coolest CPU). */
function rotated<T>(items: readonly T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length]!);
}

/** One plain and one streamed request through every target, so that a broken setup fails before anything is measured. */
async function checkTargets(targets: readonly BenchTarget[]): Promise<void> {
  for (const target of targets) {
    for (const mode of modes) {
      const answer = await request(target.origin + chatPath, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body: chatBody(mode),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await answer.body.text();
      const complete = mode === 'json' ? text.includes('"usage"') : text.includes('data: [DONE]');
      if (answer.statusCode !== 200 || !complete)
        throw new Error(`${target.name} answered a ${mode} request with ${answer.statusCode}: ${text.slice(0, 300)}`);
      if (target.label === 'C' && answer.headers['x-commonweal-site'] !== 'fra-1')
        throw new Error('Commonweal answered without x-commonweal-site');
    }
  }
}

async function saturationPhase(
  settings: BenchSettings,
  targets: readonly BenchTarget[],
  upstreamPid: number,
  results: TargetResults[],
): Promise<void> {
  const saturation = { connections: settings.connections, upstreamPid };
  if (settings.warmupSeconds > 0) {
    for (const mode of modes)
      for (const target of targets)
        await runSaturation(target, mode, { ...saturation, seconds: settings.warmupSeconds });
  }
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const mode of modes) {
      for (const [i, target] of rotated(targets, round).entries()) {
        const sample = await runSaturation(target, mode, { ...saturation, seconds: settings.saturationSeconds });
        results[targets.indexOf(target)]!.saturation[mode].push(sample);
        log(
          `saturation round ${round + 1} ${mode} ${target.label} #${i + 1}: ${Math.round(sample.requestsPerSec)} req/s, ` +
            `${Math.round(sample.proxyCpuMicrosPerRequest)} µs CPU/req, failed ${sample.failed}, other load ${Math.round(sample.otherShare * 100)}%`,
        );
      }
    }
  }
}

/** The fixed rates: a fraction of the bare proxy's and of Commonweal's median saturation throughput, and 1,000 req/s. */
function fixedRates(
  settings: BenchSettings,
  targets: readonly BenchTarget[],
  results: readonly TargetResults[],
): Record<RateBasis, Record<WorkloadMode, number>> {
  const rate = (label: 'B' | 'C', mode: WorkloadMode) => {
    const saturated = median(
      results[targets.findIndex((t) => t.label === label)]!.saturation[mode].map((s) => s.requestsPerSec),
    );
    return Math.max(1, Math.round(settings.rateFraction * saturated));
  };
  return {
    bare: { json: rate('B', 'json'), stream: rate('B', 'stream') },
    commonweal: { json: rate('C', 'json'), stream: rate('C', 'stream') },
    fixed: { json: fixedRatePerSec, stream: fixedRatePerSec },
  };
}

async function fixedRatePhase(
  settings: BenchSettings,
  targets: readonly BenchTarget[],
  upstreamPid: number,
  ratePerSec: Record<RateBasis, Record<WorkloadMode, number>>,
  results: TargetResults[],
): Promise<void> {
  const options = {
    seconds: settings.rateSeconds,
    warmupSeconds: settings.rateWarmupSeconds,
    connections: settings.rateConnections,
    upstreamPid,
  };
  for (let round = 0; round < settings.rateRounds; round += 1) {
    for (const basis of rateBases) {
      for (const mode of modes) {
        for (const target of rotated(targets, round)) {
          const perSec = ratePerSec[basis][mode];
          const sample = await runOpenLoop(target, mode, { ...options, perSec });
          results[targets.indexOf(target)]!.openLoop[basis][mode].push(sample);
          log(
            `fixed rate round ${round + 1} ${mode} ${target.label} at ${perSec} req/s: p50 ${sample.latencyP50Ms.toFixed(2)} ms, ` +
              `p99 ${sample.latencyP99Ms.toFixed(2)} ms, failed ${sample.failed}, other load ${Math.round(sample.otherShare * 100)}%`,
          );
        }
      }
    }
  }
}

async function ttfbPhase(
  settings: BenchSettings,
  targets: readonly BenchTarget[],
  results: TargetResults[],
): Promise<void> {
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const target of rotated(targets, round)) {
      const result = results[targets.indexOf(target)]!;
      const ttfb = await measureOneConnection(target, 'stream', settings.ttfbRequests, ttfbWarmupRequests);
      result.ttfbMs.push(ttfb);
      const json = await measureOneConnection(target, 'json', settings.ttfbRequests, ttfbWarmupRequests);
      result.oneConnectionJsonMs.push(json);
      log(
        `one connection round ${round + 1} ${target.label}: stream ttfb median ${median(ttfb).toFixed(3)} ms, json median ${median(json).toFixed(3)} ms`,
      );
    }
  }
}

/** Memory last: the peak after load, then the resident memory with many streams open at once. */
async function memoryPhase(
  settings: BenchSettings,
  targets: readonly BenchTarget[],
  results: TargetResults[],
): Promise<void> {
  for (const [i, target] of targets.entries()) {
    if (target.proxyPid === null) continue;
    const result = results[i]!;
    result.peakRssAfterLoadBytes = memoryBytes(target.proxyPid).peakRssBytes;
    const streams = await holdConcurrentStreams(target, settings.streams);
    result.streams = streams;
    log(
      `${settings.streams} streams ${target.label}: ${streams.openAtOnce} open at once, RSS ${(streams.rssAllOpenBytes / 1024 / 1024).toFixed(1)} MiB, ` +
        `completed ${streams.completed}, failed ${streams.failed}`,
    );
  }
}

/** Requests Commonweal's clients saw answered with 200, to hold against its usage records. */
function answeredBy(result: TargetResults, settings: BenchSettings): number {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  const saturation = sum(modes.flatMap((mode) => result.saturation[mode].map((s) => s.completed)));
  const openLoop = sum(
    rateBases.flatMap((basis) => modes.flatMap((mode) => result.openLoop[basis][mode].map((s) => s.completed))),
  );
  const ttfb =
    (result.ttfbMs.length + result.oneConnectionJsonMs.length) * (settings.ttfbRequests + ttfbWarmupRequests);
  // The set-up check sends one request per workload; warm-up runs are not counted (they only add records).
  return saturation + openLoop + ttfb + modes.length + (result.streams?.completed ?? 0);
}

interface RunningTargets {
  readonly upstream: PinnedProcess;
  readonly commonweal: CommonwealInstance;
  readonly targets: readonly BenchTarget[];
}

/**
 * Starts the upstream (load core), the bare proxy, Commonweal and, when asked for, Portkey
 * (proxy core); `started` collects them for stopping.
 */
async function startTargets(settings: BenchSettings, started: PinnedProcess[]): Promise<RunningTargets> {
  const upstream = await PinnedProcess.start('upstream', loadCore, distBench('fast-upstream.js'), []);
  started.push(upstream);
  const bare = await PinnedProcess.start('bare-proxy', proxyCore, distBench('bare-proxy.js'), [upstream.url]);
  started.push(bare);
  const commonweal = await startCommonweal(proxyCore, upstream.url);
  started.push(commonweal.process);
  // Every target gets the same headers, Portkey's routing included, so that each request
  // costs the client and the proxies' header parsing the same.
  const headers = requestHeaders(settings, commonweal.apiKey, upstream.url);
  const targets: BenchTarget[] = [
    { label: 'A', name: 'direct', origin: upstream.url, proxyPid: null, headers },
    { label: 'B', name: 'bare proxy', origin: bare.url, proxyPid: bare.pid, headers },
    { label: 'C', name: 'Commonweal', origin: commonweal.process.url, proxyPid: commonweal.process.pid, headers },
  ];
  if (settings.portkey) {
    const portkey = await PinnedProcess.start('portkey', proxyCore, distBench('portkey-server.js'), []);
    started.push(portkey);
    targets.push({ label: 'D', name: 'Portkey', origin: portkey.url, proxyPid: portkey.pid, headers });
  }
  return { upstream, commonweal, targets };
}

function requestHeaders(settings: BenchSettings, apiKey: string, upstreamUrl: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    ...(settings.portkey ? portkeyRoutingHeaders(upstreamUrl) : {}),
  };
}

/** The proxies whose instructions are counted, each started anew under callgrind for each workload. */
function instructionTargets(settings: BenchSettings, upstreamUrl: string): InstructionTarget[] {
  const underCallgrind = (wrapper: readonly string[]) => ({ wrapper, startTimeoutMs: callgrindStartTimeoutMs });
  const plain = (label: 'B' | 'D', name: string, script: string, args: string[]): InstructionTarget => ({
    label,
    start: async (core, wrapper) => {
      const process = await PinnedProcess.start(name, core, distBench(script), args, underCallgrind(wrapper));
      const headers = requestHeaders(settings, 'not-checked', upstreamUrl);
      return { server: { pid: process.pid, origin: process.url, headers }, stop: () => process.stop() };
    },
  });
  const commonweal: InstructionTarget = {
    label: 'C',
    start: async (core, wrapper) => {
      const instance = await startCommonweal(core, upstreamUrl, underCallgrind(wrapper));
      const headers = requestHeaders(settings, instance.apiKey, upstreamUrl);
      return {
        server: { pid: instance.process.pid, origin: instance.process.url, headers },
        stop: async () => {
          await instance.process.stop();
          instance.removeData();
        },
      };
    },
  };
  return [
    plain('B', 'bare-proxy', 'bare-proxy.js', [upstreamUrl]),
    commonweal,
    ...(settings.portkey ? [plain('D', 'portkey', 'portkey-server.js', [])] : []),
  ];
}

/** Counts the proxies' instructions when asked for and valgrind is here; says why not otherwise. */
async function instructionPhase(
  settings: BenchSettings,
  upstreamUrl: string,
  results: TargetResults[],
): Promise<string | undefined> {
  if (settings.instructions === null) return undefined;
  if (!callgrindAvailable()) {
    const reason = 'valgrind (callgrind and callgrind_control) is not installed: apt-get install valgrind';
    log(`not counting instructions: ${reason}`);
    return reason;
  }
  log('counting instructions per request under callgrind (minutes)');
  try {
    const counts = await countTargetInstructions(
      instructionTargets(settings, upstreamUrl),
      modes,
      { ...settings.instructions, connections: settings.connections },
      callgrindWrapper,
      log,
    );
    for (const result of results) result.instructions = counts.get(result.target.label) ?? null;
    return undefined;
  } catch (error) {
    // The other measurements are done by now and still worth writing.
    log(`counting instructions failed: ${(error as Error).message}`);
    return `counting failed (${(error as Error).message.slice(0, 200)})`;
  }
}

function censusOf(dataDir: string): { census: UsageCensus | null; error?: string } {
  try {
    return { census: countUsageRecords(dataDir) };
  } catch (error) {
    return { census: null, error: (error as Error).message };
  }
}

function writeResults(report: BenchResults): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'gateway.md'), renderGatewayReport(report));
  // The raw TTFB samples are many; the JSON keeps their summary per round.
  const summarized = (key: string, value: unknown) =>
    key === 'ttfbMs'
      ? (value as number[][]).map((round) => ({ p50: percentile(round, 0.5), p99: percentile(round, 0.99) }))
      : value;
  writeFileSync(join(resultsDir, 'gateway.json'), `${JSON.stringify(report, summarized, 2)}\n`);
}

async function benchmark(
  settings: BenchSettings,
  started: PinnedProcess[],
  onCommonweal: (instance: CommonwealInstance) => void,
): Promise<BenchResults> {
  const startedAt = performance.now();
  const loadAverageAtStart = loadavg()[0] ?? Number.NaN;
  log(`starting the upstream, the bare proxy, Commonweal${settings.portkey ? ' and Portkey' : ''}`);
  if (settings.portkey) ensurePortkeyInstalled(log);
  const { upstream, commonweal, targets } = await startTargets(settings, started);
  onCommonweal(commonweal);
  await checkTargets(targets);
  const fsyncBefore = probeFsync(commonweal.dataDir, fsyncProbes);
  const results: TargetResults[] = targets.map((t) => ({
    target: { label: t.label, name: t.name },
    saturation: { json: [], stream: [] },
    openLoop: {
      bare: { json: [], stream: [] },
      commonweal: { json: [], stream: [] },
      fixed: { json: [], stream: [] },
    },
    ttfbMs: [],
    oneConnectionJsonMs: [],
    rssIdleBytes: t.proxyPid === null ? null : memoryBytes(t.proxyPid).rssBytes,
    peakRssAfterLoadBytes: null,
    streams: null,
    instructions: null,
  }));
  await saturationPhase(settings, targets, upstream.pid, results);
  const ratePerSec = fixedRates(settings, targets, results);
  await fixedRatePhase(settings, targets, upstream.pid, ratePerSec, results);
  await ttfbPhase(settings, targets, results);
  await memoryPhase(settings, targets, results);
  const fsyncAfter = probeFsync(commonweal.dataDir, fsyncProbes);
  // Stopped first, so that every record is in the store when it is counted.
  await commonweal.process.stop();
  const answeredToClients = answeredBy(results[targets.findIndex((t) => t.label === 'C')]!, settings);
  const instructionsSkipped = await instructionPhase(settings, upstream.url, results);
  return {
    machine: machineFacts(loadAverageAtStart),
    settings,
    ratePerSec,
    targets: results,
    fsync: { before: fsyncBefore, after: fsyncAfter },
    creditsGranted: commonweal.creditsGranted,
    usage: { ...censusOf(commonweal.dataDir), answeredToClients },
    ...(instructionsSkipped === undefined ? {} : { instructionsSkipped }),
    elapsedSeconds: (performance.now() - startedAt) / 1000,
  };
}

async function main(): Promise<void> {
  const settings = readSettings();
  // Pin every thread of this process (the load generator) to the load core.
  execFileSync('taskset', ['-a', '-p', '-c', String(loadCore), String(process.pid)], { stdio: 'ignore' });
  const started: PinnedProcess[] = [];
  let commonweal: CommonwealInstance | undefined;
  const timeMsMax = runTimeMsMax + (settings.instructions === null ? 0 : instructionTimeMsMax);
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${timeMsMax / 1000} s; stopping`);
    for (const child of started) child.kill();
    process.exit(2);
  }, timeMsMax);
  watchdog.unref();
  try {
    const report = await benchmark(settings, started, (instance) => {
      commonweal = instance;
    });
    writeResults(report);
    log(`wrote ${join(resultsDir, 'gateway.md')} in ${Math.round(report.elapsedSeconds)} s`);
  } finally {
    for (const child of started.reverse()) await child.stop();
    commonweal?.removeData();
    clearTimeout(watchdog);
  }
}

exitWhenDone(main());
