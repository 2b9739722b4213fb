import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type WorkloadMode, workloadModes } from './bench-target.js';
import { commonwealTarget, startCommonweal } from './commonweal-instance.js';
import { type CpuProfile, type ProfileLine, summarizeCpuProfile } from './cpu-profile-summary.js';
import { exitWhenDone } from './exit-when-done.js';
import { PinnedProcess } from './pinned-process.js';
import { runSaturation } from './saturation-run.js';

/**
 * `npm run bench:gateway:profile`: runs Commonweal under saturation with V8's CPU profiler
 * (one process per workload, core 0; load and upstream on core 1), and writes where its CPU
 * time goes to bench/results/gateway-profile.md. Only the measured window is summarized.
 */

const modes = workloadModes;
const runTimeMsMax = 3 * 60_000;
const resultsDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

function table(title: string, lines: readonly ProfileLine[]): string[] {
  return [
    `| ${title} | where | share of busy time |`,
    '| --- | --- | ---: |',
    ...lines.map(
      (l) =>
        `| \`${l.name.replaceAll('|', '\\|')}\` | ${l.where === '' ? '' : `\`${l.where}\``} | ${(l.share * 100).toFixed(1)}% |`,
    ),
    '',
  ];
}

async function profileMode(
  mode: WorkloadMode,
  upstream: PinnedProcess,
  options: { seconds: number; connections: number; lines: number },
): Promise<string[]> {
  const profileDir = mkdtempSync(join(tmpdir(), `commonweal-profile-${mode}-`));
  const commonweal = await startCommonweal(0, upstream.url, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  try {
    const target = commonwealTarget(commonweal);
    const saturation = { connections: options.connections, upstreamPid: upstream.pid };
    await runSaturation(target, mode, { ...saturation, seconds: 2 });
    const from = monotonicMicros();
    const sample = await runSaturation(target, mode, { ...saturation, seconds: options.seconds });
    const to = monotonicMicros();
    await commonweal.process.stop();
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no CPU profile was written to ${profileDir}`);
    const summary = summarizeCpuProfile(
      JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile,
      from,
      to,
      options.lines,
    );
    return [
      `## ${mode === 'json' ? 'Non-streaming' : 'Streaming'} chat completions`,
      '',
      `Under the profiler: ${Math.round(sample.requestsPerSec)} req/s, ${Math.round(sample.proxyCpuMicrosPerRequest)} µs CPU/request, core ${(sample.proxyCoreShare * 100).toFixed(0)}% busy; ${(summary.idleShare * 100).toFixed(0)}% of the ${Math.round(summary.sampledMs)} ms sampled was idle. Shares below are of the busy time.`,
      '',
      ...table('area (self time)', summary.byArea),
      ...table('function (self time)', summary.bySelf),
      ...table('function (total time, callees included)', summary.byTotal),
    ];
  } finally {
    await commonweal.process.stop();
    commonweal.removeData();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '6' },
      connections: { type: 'string', default: '32' },
      lines: { type: 'string', default: '25' },
    },
  });
  const options = {
    seconds: Math.min(60, Math.max(1, Number(values.seconds))),
    connections: Math.min(512, Math.max(1, Math.round(Number(values.connections)))),
    lines: Math.min(100, Math.max(5, Math.round(Number(values.lines)))),
  };
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const upstream = await PinnedProcess.start(
    'upstream',
    1,
    fileURLToPath(new URL('../fast-upstream.js', import.meta.url)),
    [],
  );
  const watchdog = setTimeout(() => {
    console.error('profile: time limit reached; stopping');
    upstream.kill();
    process.exit(2);
  }, runTimeMsMax);
  watchdog.unref();
  try {
    const sections: string[] = [];
    for (const mode of modes) sections.push(...(await profileMode(mode, upstream, options)));
    mkdirSync(resultsDir, { recursive: true });
    const header = [
      '# Where Commonweal spends its CPU under load',
      '',
      `Written by \`npm run bench:gateway:profile\` on ${new Date().toISOString()}, Node ${process.version}: V8 CPU profiles of \`commonweal serve\` at saturation (${options.connections} connections, ${options.seconds} s after a 2 s warm-up), pinned to core 0. The profiler itself costs some throughput.`,
      '',
    ];
    writeFileSync(join(resultsDir, 'gateway-profile.md'), [...header, ...sections].join('\n'));
    console.log(`wrote ${join(resultsDir, 'gateway-profile.md')}`);
  } finally {
    await upstream.stop();
    clearTimeout(watchdog);
  }
}

exitWhenDone(main());
