import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { chatBody, chatPath, type WorkloadMode } from '../gateway/bench-target.js';

/** A server started under `callgrindWrapper`, and how to send it a chat completion. */
export interface CountedServer {
  readonly pid: number;
  readonly origin: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface CountSettings {
  readonly warmup: number;
  readonly counted: number;
  readonly connections: number;
}

/** Instructions per counted request, with what `leftOut` took per request reported beside. */
export interface InstructionCount {
  readonly instructionsPerRequest: number;
  readonly compilerPerRequest: number;
  readonly majorGcPerRequest: number;
  readonly failed: number;
}

// Node under valgrind starts, compiles and migrates some fifty times slower.
export const callgrindStartTimeoutMs = 600_000;

/** Whether valgrind's callgrind and callgrind_control can be run here. */
export function callgrindAvailable(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What to run a server's node under so that callgrind counts it and dumps into `dumpsDir`. */
export function callgrindWrapper(dumpsDir: string): string[] {
  return ['valgrind', '--tool=callgrind', `--callgrind-out-file=${dumpsDir}/callgrind.%p`];
}

/** `count` requests, as fast as the server answers them; returns how many failed. */
async function send(server: CountedServer, mode: WorkloadMode, count: number, connections: number): Promise<number> {
  const result = await autocannon({
    url: server.origin + chatPath,
    connections,
    amount: count,
    method: 'POST',
    headers: { ...server.headers, 'content-type': 'application/json' },
    body: chatBody(mode),
    timeout: 120,
  });
  return result.non2xx + result.errors + result.timeouts;
}

/**
 * Work on V8's helper threads that the counted requests do not pay for one by one, left
 * out of the count and reported beside it. The optimizing compiler compiles each hot
 * function once; under valgrind it runs some fifty times later than at full speed and
 * lands in the counted requests or not, a third of the count one run and a tenth the
 * next. Major garbage collections mark and sweep the old generation on helper threads:
 * one or two fall inside a run's counted requests, and requests that live fifty times
 * longer than at full speed leave far more of their objects to it. Scavenges (the young
 * generation, where a request's garbage dies) stay in the count. Each name is a helper
 * job's entry function, so no one of them runs inside another.
 */
const leftOut = {
  compiler: ['v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal()'],
  majorGc: ['v8::internal::ConcurrentMarking::JobTaskMajor::Run(', 'v8::internal::Sweeper::SweeperJob::Run('],
} as const;

/** What a callgrind dump counted in all, and inside each part that `leftOut` names. */
function dumpedInstructions(dir: string, pid: number): { total: number; compiler: number; majorGc: number } {
  const dump = join(dir, `callgrind.${pid}.1`);
  if (!readdirSync(dir).includes(`callgrind.${pid}.1`))
    throw new Error(`callgrind wrote no dump for process ${pid} in ${dir}`);
  const summary = /^summary: (\d+)$/m.exec(readFileSync(dump, 'utf8'));
  if (summary === null) throw new Error(`callgrind dump ${dump} has no summary line`);
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', dump], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).split('\n');
  const inclusive = (names: readonly string[]) =>
    names.reduce((sum, name) => {
      const line = annotated.find((l) => l.includes(name));
      return sum + (line === undefined ? 0 : Number(/^\s*([\d,]+)/.exec(line)![1]!.replaceAll(',', '')));
    }, 0);
  return { total: Number(summary[1]), compiler: inclusive(leftOut.compiler), majorGc: inclusive(leftOut.majorGc) };
}

/**
 * Sends `warmup` requests to a server running under callgrind, zeroes its counters, sends
 * `counted` more and divides what callgrind counted (every instruction the process ran in
 * user space, on every thread, less `leftOut`) by them.
 */
export async function countInstructions(
  server: CountedServer,
  mode: WorkloadMode,
  settings: CountSettings,
  dumpsDir: string,
): Promise<InstructionCount> {
  let failed = await send(server, mode, settings.warmup, settings.connections);
  execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'ignore' });
  failed += await send(server, mode, settings.counted, settings.connections);
  execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' });
  const { total, compiler, majorGc } = dumpedInstructions(dumpsDir, server.pid);
  return {
    instructionsPerRequest: (total - compiler - majorGc) / settings.counted,
    compilerPerRequest: compiler / settings.counted,
    majorGcPerRequest: majorGc / settings.counted,
    failed,
  };
}
