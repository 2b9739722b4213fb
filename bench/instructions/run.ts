import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { version } from '../../src/version.js';
import { type WorkloadMode, workloadModes } from '../gateway/bench-target.js';
import {
  type FeatureBuild as Build,
  featureBuildOptions,
  featureBuilds,
  withFeatureBuilds,
} from '../feature-builds.js';
import { type StartOptions, startCommonweal } from '../gateway/commonweal-instance.js';
import { median } from '../gateway/sample-stats.js';
import { integerOption, listOption } from '../options.js';
import {
  type InstructionCount,
  callgrindAvailable,
  callgrindStartTimeoutMs,
  callgrindWrapper,
  countInstructions,
} from './callgrind-count.js';

/*
 * `npm run bench:instructions`: what billing and receipts cost a gateway request, counted
 * in instructions rather than seconds. Each server runs under valgrind's callgrind, which
 * counts every instruction the process executes in user space, on every thread; the
 * optimizing compiler's share and the major garbage collections' are left out (see
 * callgrind-count.ts) and reported beside. Run it on an otherwise idle machine. Other jobs do not add instructions to the count, but they slow
 * the servers down, and then work that runs on timers (checkpoints, the WAL checkpointer,
 * health checks) and the batch sizes fall differently on the
 * counted requests: beside other jobs one build's count moved by up to a quarter. Even
 * on an idle machine it moves by up to 8% from run to run (two runs started side by side
 * agreed within 0.1%), so read a cost from the medians of `--repeat 2` or more; the
 * report gives the load average at the start.
 *
 * Three builds of the same commit: everything on (the default); billing off (`billing:
 * off`, the organization without credits); receipts off (bench/audit's patched copy).
 * Each takes `--warmup` requests, then its counters are zeroed and `--requests` more are
 * counted. Two servers run at once, one per core: the counts do not depend on it.
 * Options: --requests 6000  --warmup 3000  --modes json,stream  --connections 32
 *          --builds 'all on,billing off,receipts off'  --repeat 1
 */

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '6000' },
    warmup: { type: 'string', default: '3000' },
    modes: { type: 'string', default: 'json,stream' },
    connections: { type: 'string', default: '32' },
    builds: { type: 'string', default: featureBuilds.join(',') },
    repeat: { type: 'string', default: '1' },
  },
});
const counted = integerOption('requests', values.requests, 100, 1_000_000);
const warmup = integerOption('warmup', values.warmup, 0, 1_000_000);
const connections = integerOption('connections', values.connections, 1, 512);
const modes = listOption('modes', values.modes, workloadModes);
const builds = listOption('builds', values.builds, featureBuilds);
const repeat = integerOption('repeat', values.repeat, 1, 9);
const resultsFile = fileURLToPath(new URL('../../../bench/results/instructions.md', import.meta.url));

interface Sample extends InstructionCount {
  readonly build: Build;
  readonly mode: WorkloadMode;
}

async function measure(
  build: Build,
  mode: WorkloadMode,
  core: number,
  upstreamUrl: string,
  receiptsOffCli: string,
): Promise<Sample> {
  const dumps = mkdtempSync(join(tmpdir(), 'commonweal-bench-callgrind-'));
  const options: StartOptions = {
    wrapper: callgrindWrapper(dumps),
    startTimeoutMs: callgrindStartTimeoutMs,
    ...featureBuildOptions(build, receiptsOffCli),
  };
  const instance = await startCommonweal(core, upstreamUrl, options);
  try {
    const server = {
      pid: instance.process.pid,
      origin: instance.process.url,
      headers: { authorization: `Bearer ${instance.apiKey}` },
    };
    const count = await countInstructions(server, mode, { warmup, counted, connections }, dumps);
    const millions = (n: number) => (n / 1e6).toFixed(3);
    console.log(
      `${build}, ${mode}: ${millions(count.instructionsPerRequest)} M instructions per request, without the optimizing compiler's ${millions(count.compilerPerRequest)} M and major garbage collections' ${millions(count.majorGcPerRequest)} M; ${count.failed} failed`,
    );
    return { build, mode, ...count };
  } finally {
    await instance.process.stop();
    instance.removeData();
    rmSync(dumps, { recursive: true, force: true });
  }
}

/** The median count per request of a build and workload, and every run's count; undefined when it was not measured. */
function countsOf(
  samples: readonly Sample[],
  build: Build,
  mode: WorkloadMode,
): { readonly median: number; readonly runs: number[] } | undefined {
  const runs = samples.filter((s) => s.build === build && s.mode === mode).map((s) => s.instructionsPerRequest);
  return runs.length === 0 ? undefined : { median: median(runs), runs };
}

function report(samples: readonly Sample[], seconds: number, loadAtStart: number): string {
  const millions = (n: number) => (n / 1e6).toFixed(3);
  const cell = (build: Build, mode: WorkloadMode) => {
    const counts = countsOf(samples, build, mode);
    if (counts === undefined) return 'not measured';
    return counts.runs.length === 1
      ? millions(counts.median)
      : `${millions(counts.median)} (${counts.runs.map(millions).join(', ')})`;
  };
  const cost = (without: Build, mode: WorkloadMode) => {
    const on = countsOf(samples, 'all on', mode);
    const off = countsOf(samples, without, mode);
    return on === undefined || off === undefined ? '—' : `**${((1 - off.median / on.median) * 100).toFixed(1)}%**`;
  };
  const rows = modes.map(
    (mode) =>
      `| ${mode === 'json' ? 'chat, non-streaming' : 'chat, streaming (SSE)'} | ${cell('all on', mode)} | ${cell('billing off', mode)} | ${cell('receipts off', mode)} | ${cost('billing off', mode)} | ${cost('receipts off', mode)} |`,
  );
  const failed = samples.reduce((sum, s) => sum + s.failed, 0);
  return [
    '# Instructions per gateway request: billing and receipts on and off',
    '',
    `Written by \`npm run bench:instructions\` (${Math.round(seconds)} s): commonweal ${version}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Linux ${release()}, ${new Date().toISOString()}, load average ${loadAtStart.toFixed(2)} at the start.`,
    '',
    `Each build of this commit served ${warmup.toLocaleString('en-US')} requests to warm up, then ${counted.toLocaleString('en-US')} counted ones (${connections} connections, the gateway`,
    "benchmark's fast upstream and request bodies), under valgrind's callgrind: every instruction the server process executed in user",
    'space, on every thread, divided by the counted requests, leaving out two parts of V8 that the requests do not pay for one by one:',
    `its optimizing compiler (it compiles a hot function once, and lands inside the counted requests in one run and not in the next; median`,
    `${millions(median(samples.map((s) => s.compilerPerRequest)))} M per request) and its major garbage collections (one or two land inside a run, and requests that`,
    `live fifty times longer under valgrind leave far more to them; median ${millions(median(samples.map((s) => s.majorGcPerRequest)))} M). Scavenges stay in the count.`,
    '"Billing off" is `billing: off` with an organization that has no account;',
    `"receipts off" is bench/audit's copy of this build with the receipt writer and the digests patched out. ${repeat === 1 ? 'Each build ran once (`--repeat N` for more).' : `Each build ran ${repeat} times: the`}`,
    ...(repeat === 1 ? [] : ["median, and each run's count in brackets."]),
    '',
    '| workload | all on: M instructions/request | billing off | receipts off | cost of billing | cost of receipts |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    "A cost is the share of an all-on request's instructions that its part takes: the throughput a CPU-bound core loses to it, were",
    "every instruction equally fast (target < 10% for each, issues #6 and #7). What the count leaves out: the kernel's work (the",
    "socket and WAL writes, the fsyncs) and how fast the instructions run: under valgrind SHA-256 runs without the CPU's SHA",
    'instructions, so hashing weighs more here than at full speed. A count moves when other jobs share the machine (timers and',
    'batches then fall differently on the counted requests): compare runs made on an idle machine.',
    `${failed === 0 ? 'No request failed.' : `**${failed} requests failed**: the counts above include their error paths.`}`,
    '',
  ].join('\n');
}

if (!callgrindAvailable())
  throw new Error('bench:instructions needs valgrind (callgrind and callgrind_control): apt-get install valgrind');
const started = performance.now();
const loadAtStart = loadavg()[0]!;
const samples = await withFeatureBuilds(async (receiptsOffCli, upstream) => {
  const measured: Sample[] = [];
  const runs = Array.from({ length: repeat }, () =>
    modes.flatMap((mode) => builds.map((build) => ({ build, mode }))),
  ).flat();
  // Two at a time, one per core.
  for (let i = 0; i < runs.length; i += 2) {
    const pair = runs.slice(i, i + 2);
    measured.push(
      ...(await Promise.all(pair.map((run, j) => measure(run.build, run.mode, j, upstream.url, receiptsOffCli)))),
    );
  }
  return measured;
});
const text = report(samples, (performance.now() - started) / 1000, loadAtStart);
writeFileSync(resultsFile, text);
console.log(text);
