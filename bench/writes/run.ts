import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
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
import { commonwealTarget, startCommonweal } from '../gateway/commonweal-instance.js';
import type { PinnedProcess } from '../gateway/pinned-process.js';
import { runSaturation } from '../gateway/saturation-run.js';
import { boundedOption, integerOption, listOption } from '../options.js';

/*
 * `npm run bench:writes`: the system calls a gateway request costs the server, counted by
 * `strace -c -f` over a loaded run, for everything on, billing off and receipts off. A
 * page SQLite writes to its WAL is one pwrite64; the checkpointer copies it again later;
 * the syncs grow with both. Counts do not move with the machine's load the way CPU
 * seconds do, so they show what a change to the stored rows does to the write path.
 * strace slows the server; the counts per request are what to read, not its speed.
 * Options: --seconds 5  --warmup 3  --modes json,stream  --connections 32
 */

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'json,stream' },
    connections: { type: 'string', default: '32' },
  },
});
const seconds = boundedOption('seconds', values.seconds, 1, 60);
const warmupSeconds = boundedOption('warmup', values.warmup, 0, 30);
const connections = integerOption('connections', values.connections, 1, 512);
const modes = listOption('modes', values.modes, workloadModes);
const resultsFile = fileURLToPath(new URL('../../../bench/results/writes.md', import.meta.url));
/** The calls the report shows, in its column order; the others are summed in "all". */
const shownCalls = ['pwrite64', 'pread64', 'fsync', 'writev', 'read'] as const;

interface Sample {
  readonly build: Build;
  readonly mode: WorkloadMode;
  readonly requests: number;
  readonly callsPerRequest: ReadonlyMap<string, number>;
}

function requireStrace(): void {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('bench:writes needs strace: apt-get install strace');
  }
}

/** The `calls` column of an `strace -c` summary, by syscall name. */
function parseStraceSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    // "% time  seconds  usecs/call  calls  [errors]  syscall"; the total line names no syscall.
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || !/^\d/.test(fields[0]!) || fields.at(-1) === 'total') continue;
    calls.set(fields.at(-1)!, Number(fields[3]));
  }
  return calls;
}

async function attachStrace(pid: number, outFile: string): Promise<ChildProcess> {
  const tracer = spawn('strace', ['-c', '-f', '-o', outFile, '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // strace says "Process N attached with M threads" once it traces them all.
  await new Promise<void>((resolve, reject) => {
    let said = '';
    tracer.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString('utf8');
      if (said.includes('attached')) resolve();
    });
    tracer.once('exit', (code) => reject(new Error(`strace exited with ${code} before attaching: ${said}`)));
  });
  return tracer;
}

async function measure(
  build: Build,
  mode: WorkloadMode,
  upstream: PinnedProcess,
  receiptsOffCli: string,
): Promise<Sample> {
  const instance = await startCommonweal(0, upstream.url, featureBuildOptions(build, receiptsOffCli));
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-bench-writes-'));
  try {
    const target = commonwealTarget(instance);
    const load = { connections, upstreamPid: upstream.pid };
    await runSaturation(target, mode, { ...load, seconds: warmupSeconds });
    const summary = join(dir, 'strace.txt');
    const tracer = await attachStrace(instance.process.pid, summary);
    const sample = await runSaturation(target, mode, { ...load, seconds });
    const exited = new Promise((resolve) => tracer.once('exit', resolve));
    tracer.kill('SIGINT');
    await exited;
    const calls = parseStraceSummary(readFileSync(summary, 'utf8'));
    const requests = sample.completed;
    if (requests === 0) throw new Error(`${build}, ${mode}: no request completed under strace`);
    const perRequest = new Map([...calls].map(([name, count]) => [name, count / requests]));
    console.log(
      `${build}, ${mode}: ${requests} requests, ${shownCalls.map((name) => `${name} ${(perRequest.get(name) ?? 0).toFixed(2)}`).join(', ')} per request`,
    );
    return { build, mode, requests, callsPerRequest: perRequest };
  } finally {
    await instance.process.stop();
    instance.removeData();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(samples: readonly Sample[], elapsedSeconds: number): string {
  const rows = samples.map((s) => {
    const all = [...s.callsPerRequest.values()].reduce((sum, n) => sum + n, 0);
    const fsync = s.callsPerRequest.get('fsync') ?? 0;
    return `| ${s.mode} | ${s.build} | ${s.requests.toLocaleString('en-US')} | ${shownCalls.map((name) => (s.callsPerRequest.get(name) ?? 0).toFixed(2)).join(' | ')} | ${all.toFixed(1)} | ${fsync === 0 ? '—' : (1 / fsync).toFixed(1)} |`;
  });
  return [
    '# System calls per gateway request: billing and receipts on and off',
    '',
    `Written by \`npm run bench:writes\` (${Math.round(elapsedSeconds)} s): commonweal ${version}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Linux ${release()}, ${new Date().toISOString()}.`,
    '',
    `Each build of this commit: \`commonweal serve\` on core 0, the fast upstream and autocannon (${connections} connections) on core 1, ${warmupSeconds} s of`,
    `warm-up, then \`strace -c -f\` (every thread: the WAL sync and checkpointer threads too) over ${seconds} s of load, divided by the requests answered.`,
    'pwrite64 is SQLite writing a WAL frame (or the checkpointer copying one into the database), pread64 mostly the checkpointer reading',
    'them back; one fsync ends each group-commit transaction, so requests per transaction is about 1 / fsync.',
    '',
    `| workload | build | requests | ${shownCalls.join(' | ')} | all | requests per fsync |`,
    `| --- | --- | ---: | ${shownCalls.map(() => '---:').join(' | ')} | ---: | ---: |`,
    ...rows,
    '',
  ].join('\n');
}

requireStrace();
const started = performance.now();
const samples = await withFeatureBuilds(async (receiptsOffCli, upstream) => {
  const measured: Sample[] = [];
  for (const mode of modes)
    for (const build of featureBuilds) measured.push(await measure(build, mode, upstream, receiptsOffCli));
  return measured;
});
const text = report(samples, (performance.now() - started) / 1000);
writeFileSync(resultsFile, text);
console.log(text);
