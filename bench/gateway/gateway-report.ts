import type { WorkloadMode } from './bench-target.js';
import type { BenchResults, RateBasis, TargetResults } from './bench-results.js';
import type { OpenLoopSample } from './open-loop-run.js';
import { median, percentile } from './sample-stats.js';

const modes: readonly WorkloadMode[] = ['json', 'stream'];
const rateBases: readonly RateBasis[] = ['bare', 'commonweal', 'fixed'];
const modeName: Readonly<Record<WorkloadMode, string>> = {
  json: 'chat, non-streaming',
  stream: 'chat, streaming (SSE)',
};
const mib = 1024 * 1024;

// The issue's reference figures and targets, for a machine like this one with one core for the proxy.
const reference = {
  bareRequestsPerSec: 12_500,
  bareCpuMicrosPerRequest: 79,
  throughputRatioMin: 0.7,
  ttfbOverheadMsMax: 1,
  streamsRssMiBMax: 200,
  // Issue #17, every feature on: CPU and user-space instructions per request over the bare proxy's.
  cpuRatioMax: { json: 2.0, stream: 1.25 } as Readonly<Record<WorkloadMode, number>>,
  instructionRatioMax: 2.5,
};

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
const thousands = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');
const mebibytes = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '—' : `${fixed(bytes / mib, 1)} MiB`;
const verdict = (met: boolean | undefined): string =>
  met === undefined ? 'not measured' : met ? '**met**' : '**missed**';

function byLabel(results: BenchResults, label: 'A' | 'B' | 'C'): TargetResults {
  const found = results.targets.find((t) => t.target.label === label);
  if (found === undefined) throw new Error(`no results for target ${label}`);
  return found;
}

/** The proxies compared in the summary: bare, Commonweal and, when it ran, Portkey. */
function proxies(results: BenchResults): TargetResults[] {
  return results.targets.filter((t) => t.target.label !== 'A');
}

const cpuPerRequest = (t: TargetResults, mode: WorkloadMode): number =>
  medianOf(t.saturation[mode], (s) => s.proxyCpuMicrosPerRequest);
const instructionsPerRequest = (t: TargetResults, mode: WorkloadMode): number =>
  t.instructions?.[mode]?.instructionsPerRequest ?? Number.NaN;

function medianOf<T>(samples: readonly T[], pick: (sample: T) => number): number {
  return median(samples.map(pick));
}

/**
 * Commonweal's saturation throughput over the bare proxy's: the median of the per-round
 * ratios, since the two ran minutes apart at most within a round and drift cancels there.
 */
function throughputRatio(bare: TargetResults, gateway: TargetResults, mode: WorkloadMode): number {
  return median(
    gateway.saturation[mode].map((s, i) => s.requestsPerSec / (bare.saturation[mode][i]?.requestsPerSec ?? Number.NaN)),
  );
}

/** What one fully busy core could serve, judged from CPU per request: little disturbed by other jobs. */
function perCoreCapacity(t: TargetResults, mode: WorkloadMode): number {
  return 1_000_000 / medianOf(t.saturation[mode], (s) => s.proxyCpuMicrosPerRequest);
}

/** Per round, TTFB median through C minus through B; the overhead is the median of those. */
function ttfbOverheadMs(bare: TargetResults, gateway: TargetResults, fraction: number): number {
  const perRound = gateway.ttfbMs.map(
    (round, i) => percentile(round, fraction) - percentile(bare.ttfbMs[i] ?? [], fraction),
  );
  return median(perRound);
}

function machineSection(results: BenchResults): string[] {
  const m = results.machine;
  return [
    '## Machine',
    '',
    '| CPU | cores | Node | commonweal | kernel | date |',
    '| --- | ---: | --- | --- | --- | --- |',
    `| ${m.cpuModel} | ${m.cores} | ${m.nodeVersion} | ${m.commonwealVersion} | ${m.kernel} | ${m.date} |`,
    '',
    ...disturbance(results),
  ];
}

/** How much CPU other processes on the machine took during the measured runs. */
function disturbance(results: BenchResults): string[] {
  const shares = results.targets.flatMap((t) => [
    ...modes.flatMap((mode) => t.saturation[mode].map((s) => s.otherShare)),
    ...rateBases.flatMap((basis) => modes.flatMap((mode) => t.openLoop[basis][mode].map((s) => s.otherShare))),
  ]);
  const worst = Math.max(...shares);
  const typical = median(shares);
  const verdictText =
    worst < 0.05
      ? 'the machine was otherwise quiet.'
      : `**other jobs were running on the machine**, so some runs are disturbed: compare the rounds below and prefer a rerun on a quiet machine.`;
  const { before, after } = results.fsync;
  return [
    `fsync of a 4 KiB page in Commonweal's data directory: p50 ${fixed(before.p50Ms, 2)} ms, p99 ${fixed(before.p99Ms, 2)} ms before the measurements; p50 ${fixed(after.p50Ms, 2)} ms, p99 ${fixed(after.p99Ms, 2)} ms after. Commonweal makes each request's records durable (one sync per group commit) before the answer's last byte, so a slow disk slows it and not the bare proxy.`,
    '',
    `Load average at the start: ${fixed(results.machine.loadAverageAtStart, 2)}. Other processes took a median ${fixed(typical * 100, 0)}% and at most ${fixed(worst * 100, 0)}% of a core during the measured runs: ${verdictText}`,
    '',
  ];
}

function setupSection(results: BenchResults): string[] {
  const s = results.settings;
  return [
    '## Setup',
    '',
    '- **A direct**: the client talks to the fast upstream (`bench/fast-upstream.ts`: chat completion JSON with usage; SSE with 10 events, a usage event and `[DONE]`).',
    '- **B bare proxy**: `bench/bare-proxy.ts`, node:http in, one undici Pool out, bodies passed through: the physical limit for a Node proxy.',
    '- **C Commonweal**: `commonweal serve` (the built CLI), with an organization, a project key, model `bench-model`, site `fra-1` (DE) and one deployment on the same upstream; project-key auth, routing, the SSE usage filter, metering through the group-commit writer to the embedded SQLite store, usage records and everything else the build does per request all on; log level info.',
    results.creditsGranted
      ? '  The organization was given credits, so every request also takes a credit hold and settles it in the ledger.'
      : '  This build has no credits route, so no credit holds were taken.',
    `  Config changed from the defaults: \`${JSON.stringify(s.gatewayConfig)}\` (the default pool of 64 connections + 256 queued calls per deployment cannot hold 1,000 concurrent streams).`,
    s.portkey
      ? "- **D Portkey**: Portkey's gateway, `@portkey-ai/gateway` 1.15.2 on `@hono/node-server` 1.13.8 (installed under bench/portkey/), started as its `start:node` script starts it with `--headless`; it reaches the same upstream as OpenAI through the `x-portkey-provider` and `x-portkey-custom-host` headers. Every target is sent these headers, so that every request costs the client the same."
      : '- D Portkey was left out (`--no-portkey`).',
    '- The proxies run pinned to core 0 (`taskset -c 0`), one at a time under load; the load generator (this process) and the upstream share core 1.',
    `- The targets are measured interleaved, ${s.rounds} rounds, the order rotated each round; figures are the median of the rounds.`,
    `- Saturation: autocannon, ${s.connections} connections, ${s.saturationSeconds} s per run after a ${s.warmupSeconds} s warm-up per target and workload.`,
    `- Fixed rate: open loop (wrk2-style, undici, up to ${s.rateConnections} connections), at ${Math.round(s.rateFraction * 100)}% of the bare proxy's median saturation throughput (the same load for every target) and at ${Math.round(s.rateFraction * 100)}% of Commonweal's (a load it can sustain), and at the issue's fixed 1,000 req/s; ${s.rateSeconds} s counted after ${s.rateWarmupSeconds} s at the same rate, ${s.rateRounds} rounds. Latency is counted from when each request was due, so there is no coordinated omission. autocannon's \`overallRate\` is not used for this: it lets each connection send its share of a second back to back and then pause, which is a burst at full speed, not a fixed rate.`,
    `- One connection: ${s.ttfbRequests} sequential streamed requests per round on one keep-alive connection, from writing the request to the first body chunk (TTFB), then as many plain requests, to the whole answer.`,
    '- CPU per request: utime+stime of the proxy process (/proc/<pid>/stat) over the run, divided by the requests completed. Peak RSS: VmHWM from /proc/<pid>/status.',
    `- Concurrent streams: ${s.streams} streams opened at once through the proxy; the upstream sends an event every 400 ms, 12 times; VmRSS sampled while all are open.`,
    '',
  ];
}

/** The issue's table: bare proxy, Commonweal with everything on and Portkey, side by side. */
function comparisonSection(results: BenchResults): string[] {
  const rows = proxies(results);
  const rps = (t: TargetResults, mode: WorkloadMode) => medianOf(t.saturation[mode], (s) => s.requestsPerSec);
  const atThousand = (t: TargetResults, mode: WorkloadMode) => {
    const samples = t.openLoop.fixed[mode];
    return `${fixed(
      medianOf(samples, (s) => s.latencyP99Ms),
      2,
    )} · ${fixed(
      medianOf(samples, (s) => s.proxyCpuMicrosPerRequest),
      0,
    )}`;
  };
  const millions = (value: number) => fixed(value / 1e6, 3);
  const instructions = (t: TargetResults) =>
    `${millions(instructionsPerRequest(t, 'json'))} · ${millions(instructionsPerRequest(t, 'stream'))}`;
  const line = (t: TargetResults) =>
    `| ${t.target.label} ${t.target.name} | ${thousands(rps(t, 'json'))} · ${fixed(cpuPerRequest(t, 'json'), 0)} | ${thousands(rps(t, 'stream'))} · ${fixed(cpuPerRequest(t, 'stream'), 0)} | ` +
    `${instructions(t)} | ${fixed(percentile(t.oneConnectionJsonMs.flat(), 0.5), 3)} | ${fixed(percentile(t.ttfbMs.flat(), 0.5), 3)} | ` +
    `${atThousand(t, 'json')} | ${atThousand(t, 'stream')} | ${mebibytes(t.peakRssAfterLoadBytes)} |`;
  const bare = byLabel(results, 'B');
  const ratios = (t: TargetResults) =>
    `| ${t.target.label}/B | ${times(rps(t, 'json') / rps(bare, 'json'))} · **${times(cpuPerRequest(t, 'json') / cpuPerRequest(bare, 'json'))}** | ` +
    `${times(rps(t, 'stream') / rps(bare, 'stream'))} · **${times(cpuPerRequest(t, 'stream') / cpuPerRequest(bare, 'stream'))}** | ` +
    `**${times(instructionsPerRequest(t, 'json') / instructionsPerRequest(bare, 'json'))} · ${times(instructionsPerRequest(t, 'stream') / instructionsPerRequest(bare, 'stream'))}** | | | | | |`;
  const skipped = results.instructionsSkipped;
  return [
    results.settings.portkey ? '## Bare proxy, Commonweal and Portkey' : '## Bare proxy and Commonweal',
    '',
    `Saturation at ${results.settings.connections} connections and the fixed rate: medians of the rounds; one connection: all requests of all rounds. "—" where not measured.`,
    '',
    '| target | JSON req/s · CPU µs/req | SSE req/s · CPU µs/req | M instructions/req JSON · SSE | 1 connection JSON p50 ms | SSE TTFB p50 ms | 1,000 req/s JSON p99 ms · CPU µs/req | 1,000 req/s SSE p99 ms · CPU µs/req | peak RSS |',
    '| --- | --- | --- | --- | ---: | ---: | --- | --- | ---: |',
    ...rows.map(line),
    ...rows.filter((t) => t.target.label !== 'B').map(ratios),
    '',
    results.settings.instructions === null
      ? 'Instructions were not counted (`--instructions` counts them under valgrind; minutes).'
      : skipped === undefined
        ? `Instructions: user-space instructions of the proxy process per request under valgrind's callgrind, every thread, the optimizing compiler's and major garbage collections' share left out (see \`npm run bench:instructions\`); ${results.settings.instructions.warmup.toLocaleString('en-US')} requests to warm up, ${results.settings.instructions.counted.toLocaleString('en-US')} counted, ${results.settings.connections} connections, each proxy and workload in a fresh process.`
        : `Instructions were asked for but not counted: ${skipped}.`,
    '',
  ];
}

function targetsSection(results: BenchResults): string[] {
  const bare = byLabel(results, 'B');
  const gateway = byLabel(results, 'C');
  const ratio = (mode: WorkloadMode) => throughputRatio(bare, gateway, mode);
  const cpuRatio = (mode: WorkloadMode) => perCoreCapacity(gateway, mode) / perCoreCapacity(bare, mode);
  const overhead = ttfbOverheadMs(bare, gateway, 0.5);
  const streamsRss = gateway.streams === null ? undefined : gateway.streams.rssAllOpenBytes / mib;
  const streamsAllOpen = gateway.streams !== null && gateway.streams.openAtOnce === gateway.streams.streams;
  const cpuCostRows = modes.map((mode) => {
    const r = cpuPerRequest(gateway, mode) / cpuPerRequest(bare, mode);
    const max = reference.cpuRatioMax[mode];
    return `| Commonweal CPU per request ≤ ${fixed(max, 2)}× bare (${modeName[mode]}, ${results.settings.connections} connections) | ${times(r)} | ${verdict(Number.isFinite(r) ? r <= max : undefined)} |`;
  });
  const instructionRows = modes.map((mode) => {
    const r = instructionsPerRequest(gateway, mode) / instructionsPerRequest(bare, mode);
    return `| Commonweal user-space instructions per request ≤ ${reference.instructionRatioMax}× bare (${modeName[mode]}) | ${times(r)} | ${verdict(Number.isFinite(r) ? r <= reference.instructionRatioMax : undefined)} |`;
  });
  const rows = [
    ...cpuCostRows,
    ...instructionRows,
    ...modes.map((mode) => {
      const r = ratio(mode);
      return `| Commonweal throughput ≥ ${reference.throughputRatioMin}× bare (${modeName[mode]}) | ${fixed(r, 2)}× (CPU-bound: ${fixed(cpuRatio(mode), 2)}×) | ${verdict(Number.isFinite(r) ? r >= reference.throughputRatioMin : undefined)} |`;
    }),
    `| streaming TTFB overhead (C − B, median) < ${reference.ttfbOverheadMsMax} ms | ${fixed(overhead, 3)} ms | ${verdict(Number.isFinite(overhead) ? overhead < reference.ttfbOverheadMsMax : undefined)} |`,
    `| Commonweal RSS < ${reference.streamsRssMiBMax} MB with ${results.settings.streams} concurrent streams | ${mebibytes(gateway.streams?.rssAllOpenBytes)}${streamsAllOpen ? '' : ' (not all open at once)'} | ${verdict(streamsRss === undefined ? undefined : streamsRss < reference.streamsRssMiBMax && streamsAllOpen)} |`,
  ];
  return ['## Targets', '', '| target | measured | status |', '| --- | ---: | --- |', ...rows, ''];
}

function throughputSection(results: BenchResults): string[] {
  const [direct, bare, gateway] = (['A', 'B', 'C'] as const).map((label) => byLabel(results, label)) as [
    TargetResults,
    TargetResults,
    TargetResults,
  ];
  const rps = (t: TargetResults, mode: WorkloadMode) => medianOf(t.saturation[mode], (s) => s.requestsPerSec);
  const cpu = (t: TargetResults, mode: WorkloadMode) => medianOf(t.saturation[mode], (s) => s.proxyCpuMicrosPerRequest);
  const share = (t: TargetResults, mode: WorkloadMode, pick: 'proxyCoreShare' | 'loadCoreShare') =>
    medianOf(t.saturation[mode], (s) => s[pick]);
  const failed = (t: TargetResults, mode: WorkloadMode) => t.saturation[mode].reduce((sum, s) => sum + s.failed, 0);
  const lat = (t: TargetResults, mode: WorkloadMode) =>
    `${fixed(
      medianOf(t.saturation[mode], (s) => s.latencyP50Ms),
      1,
    )} / ${fixed(
      medianOf(t.saturation[mode], (s) => s.latencyP99Ms),
      1,
    )}`;
  return [
    `## Throughput at saturation (${results.settings.connections} connections, median of ${results.settings.rounds} rounds)`,
    '',
    '| workload | A direct req/s | B bare req/s | C Commonweal req/s | **C/B** | failed (A/B/C) | B per core (10⁶ ÷ µs/req) | C per core | C/B per core |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...modes.map(
      (mode) =>
        `| ${modeName[mode]} | ${thousands(rps(direct, mode))} | ${thousands(rps(bare, mode))} | ${thousands(rps(gateway, mode))} | **${fixed(throughputRatio(bare, gateway, mode), 2)}×** | ${failed(direct, mode)} / ${failed(bare, mode)} / ${failed(gateway, mode)} | ${thousands(perCoreCapacity(bare, mode))} | ${thousands(perCoreCapacity(gateway, mode))} | ${fixed(perCoreCapacity(gateway, mode) / perCoreCapacity(bare, mode), 2)}× |`,
    ),
    '',
    'C/B is the median of the per-round ratios. "Per core" is what one fully busy core would serve at the measured CPU cost per request; it is hardly moved by other jobs on the machine, while req/s is.',
    '',
    '| workload | B CPU µs/req | C CPU µs/req | C/B | B core use | C core use | load core use (A / B / C runs) | latency p50/p99 ms (A · B · C) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...modes.map(
      (mode) =>
        `| ${modeName[mode]} | ${fixed(cpu(bare, mode), 0)} | ${fixed(cpu(gateway, mode), 0)} | ${fixed(cpu(gateway, mode) / cpu(bare, mode), 2)}× | ${fixed(share(bare, mode, 'proxyCoreShare') * 100, 0)}% | ${fixed(share(gateway, mode, 'proxyCoreShare') * 100, 0)}% | ${[direct, bare, gateway].map((t) => `${fixed(share(t, mode, 'loadCoreShare') * 100, 0)}%`).join(' / ')} | ${lat(direct, mode)} · ${lat(bare, mode)} · ${lat(gateway, mode)} |`,
    ),
    '',
    `Reference from the issue (one core for the proxy): bare proxy about ${thousands(reference.bareRequestsPerSec)} req/s at ${reference.bareCpuMicrosPerRequest} µs CPU/request.`,
    'A proxy core use near 100% means the proxy was the bottleneck; a load core use near 100% means the load generator and upstream (sharing core 1) were, and the proxy figure is a lower bound.',
    '',
  ];
}

function openLoopSection(results: BenchResults): string[] {
  const percent = Math.round(results.settings.rateFraction * 100);
  const basisName: Readonly<Record<RateBasis, string>> = {
    bare: `${percent}% of the bare proxy's saturation`,
    commonweal: `${percent}% of Commonweal's saturation`,
    fixed: "the issue's fixed rate",
  };
  const lines = [
    `## Latency at a fixed rate (open loop, median of ${results.settings.rateRounds} rounds)`,
    '',
    '| workload | rate | target | answered req/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | proxy CPU µs/req | generator lag p99 ms | other load |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const mode of modes) {
    for (const basis of rateBases) {
      for (const t of results.targets) {
        const samples = t.openLoop[basis][mode];
        const m = (pick: (s: OpenLoopSample) => number) => medianOf(samples, pick);
        const failed = samples.reduce((sum, s) => sum + s.failed, 0);
        const scheduled = samples.reduce((sum, s) => sum + s.completed + s.failed, 0);
        // More than 1% unanswered within the grace time: the target did not keep up with this rate.
        const sustained = failed <= 0.01 * scheduled;
        const latency = (pick: (s: OpenLoopSample) => number, digits: number) =>
          sustained ? fixed(m(pick), digits) : '—';
        lines.push(
          `| ${modeName[mode]} | ${thousands(results.ratePerSec[basis][mode])} req/s (${basisName[basis]}) | ${t.target.label} ${t.target.name} | ` +
            `${thousands(m((s) => s.achievedPerSec))}${sustained ? '' : ' (**not sustained**)'} | ${latency((s) => s.latencyP50Ms, 2)} | ${latency((s) => s.latencyP99Ms, 2)} | ` +
            `${latency((s) => s.latencyP999Ms, 2)} | ${latency((s) => s.latencyMaxMs, 1)} | ${failed} | ${fixed(
              m((s) => s.proxyCpuMicrosPerRequest),
              0,
            )} | ` +
            `${fixed(
              m((s) => s.sendLagP99Ms),
              2,
            )} | ${fixed(Math.max(...samples.map((s) => s.otherShare)) * 100, 0)}% |`,
        );
      }
    }
  }
  lines.push(
    '',
    "Latency is counted from when each request was due, so it includes the generator's own send lag (it wakes every millisecond; same for every target) and, when a target cannot keep up with the rate, the queue that builds up in front of it. A target that left more than 1% of the requests unanswered 3 s after the schedule ended did not sustain the rate; its latency is then not shown (it only measures the queue). The other-load column is the largest share of a core that other processes on the machine took during the rounds.",
    '',
  );
  return lines;
}

function ttfbSection(results: BenchResults): string[] {
  const bare = byLabel(results, 'B');
  const gateway = byLabel(results, 'C');
  const all = (t: TargetResults) => t.ttfbMs.flat();
  return [
    `## Streaming time to first byte (1 connection, ${results.settings.ttfbRequests} sequential requests × ${results.settings.rounds} rounds)`,
    '',
    '| target | p50 ms | p90 ms | p99 ms | plain (JSON) request, whole answer: p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.targets.map(
      (t) =>
        `| ${t.target.label} ${t.target.name} | ${fixed(percentile(all(t), 0.5), 3)} | ${fixed(percentile(all(t), 0.9), 3)} | ${fixed(percentile(all(t), 0.99), 3)} | ` +
        `${fixed(percentile(t.oneConnectionJsonMs.flat(), 0.5), 3)} | ${fixed(percentile(t.oneConnectionJsonMs.flat(), 0.99), 3)} |`,
    ),
    '',
    `Commonweal overhead over the bare proxy (median over rounds of the per-round difference): p50 **${fixed(ttfbOverheadMs(bare, gateway, 0.5), 3)} ms**, p99 ${fixed(ttfbOverheadMs(bare, gateway, 0.99), 3)} ms.`,
    '',
  ];
}

function memorySection(results: BenchResults): string[] {
  const measured = proxies(results);
  const row = (name: string, value: (t: TargetResults) => string) => `| ${name} | ${measured.map(value).join(' | ')} |`;
  return [
    '## Memory of the proxy process',
    '',
    `| | ${measured.map((t) => `${t.target.label} ${t.target.name}`).join(' | ')} |`,
    `| --- | ${measured.map(() => '---:').join(' | ')} |`,
    row('RSS when set up, before any load', (t) => mebibytes(t.rssIdleBytes)),
    row('peak RSS (VmHWM) after the throughput and latency runs', (t) => mebibytes(t.peakRssAfterLoadBytes)),
    row('RSS before opening the streams', (t) => mebibytes(t.streams?.rssBeforeBytes)),
    row(
      `**RSS with ${results.settings.streams} concurrent streams open**`,
      (t) => `**${mebibytes(t.streams?.rssAllOpenBytes)}**`,
    ),
    row('peak RSS (VmHWM) at the end', (t) => mebibytes(t.streams?.peakRssBytes)),
    row('streams open at once / completed / failed', (t) =>
      t.streams === null ? '—' : `${t.streams.openAtOnce} / ${t.streams.completed} / ${t.streams.failed}`,
    ),
    '',
  ];
}

function usageSection(results: BenchResults): string[] {
  const { census, answeredToClients, error } = results.usage;
  if (census === null)
    return ['## Metering check', '', `Usage records could not be read: ${error ?? 'unknown error'}.`, ''];
  const outcomes = Object.entries(census.byOutcome)
    .map(([outcome, n]) => `${outcome} ${thousands(n)}`)
    .join(', ');
  const success = census.byOutcome.success ?? 0;
  return [
    '## Metering check',
    '',
    `Commonweal wrote ${thousands(census.records)} usage records (${outcomes}; ${thousands(census.estimated)} with estimated tokens) for ${thousands(answeredToClients)} requests its clients saw answered with 200: ${success >= answeredToClients ? 'every answered request was metered' : '**fewer success records than answered requests**'}. Runs that stop at their deadline cut requests in flight, which are recorded as client_aborted, or as success when the answer was already complete.`,
    '',
  ];
}

function roundsSection(results: BenchResults): string[] {
  const lines = [
    '## Every round (saturation req/s, and the share of a core other processes took meanwhile)',
    '',
    '| workload | target | rounds |',
    '| --- | --- | --- |',
  ];
  for (const mode of modes) {
    for (const t of results.targets) {
      const rounds = t.saturation[mode].map((s) => `${thousands(s.requestsPerSec)} (${fixed(s.otherShare * 100, 0)}%)`);
      lines.push(`| ${modeName[mode]} | ${t.target.label} ${t.target.name} | ${rounds.join(', ')} |`);
    }
  }
  lines.push('');
  return lines;
}

/** The benchmark's report as Markdown, for bench/results/gateway.md. */
export function renderGatewayReport(results: BenchResults): string {
  return [
    '# Gateway benchmark',
    '',
    `Written by \`npm run bench:gateway\` (${Math.round(results.elapsedSeconds)} s). Numbers from one run on the machine below; rerun to compare.`,
    '',
    ...machineSection(results),
    ...comparisonSection(results),
    ...targetsSection(results),
    ...throughputSection(results),
    ...openLoopSection(results),
    ...ttfbSection(results),
    ...memorySection(results),
    ...usageSection(results),
    ...roundsSection(results),
    ...setupSection(results),
    'Where Commonweal spends its CPU: `npm run bench:gateway:profile` writes bench/results/gateway-profile.md.',
    '',
  ].join('\n');
}
