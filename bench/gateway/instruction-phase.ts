import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CountedServer,
  type CountSettings,
  countInstructions,
  type InstructionCount,
} from '../instructions/callgrind-count.js';
import type { BenchTarget, WorkloadMode } from './bench-target.js';

/** A server running under callgrind for one count, and how to stop it and remove what it left. */
export interface CountedRun {
  readonly server: CountedServer;
  stop(): Promise<void>;
}

/** A target whose instructions are counted: a fresh process of it is started under `wrapper` for each workload. */
export interface InstructionTarget {
  readonly label: BenchTarget['label'];
  start(core: number, wrapper: readonly string[]): Promise<CountedRun>;
}

export type InstructionCounts = Map<BenchTarget['label'], Partial<Record<WorkloadMode, InstructionCount>>>;

/**
 * Counts the user-space instructions per request of each target and workload under
 * callgrind, two servers at a time, one per core: a count does not depend on the core or
 * on the other server, and under valgrind each server takes minutes.
 */
export async function countTargetInstructions(
  targets: readonly InstructionTarget[],
  modes: readonly WorkloadMode[],
  settings: CountSettings,
  callgrindWrapper: (dumpsDir: string) => string[],
  log: (message: string) => void,
): Promise<InstructionCounts> {
  const counts: InstructionCounts = new Map(targets.map((t) => [t.label, {}]));
  const runs = targets.flatMap((target) => modes.map((mode) => ({ target, mode })));
  const countOne = async ({ target, mode }: (typeof runs)[number], core: number) => {
    const dumps = mkdtempSync(join(tmpdir(), 'commonweal-bench-callgrind-'));
    try {
      const run = await target.start(core, callgrindWrapper(dumps));
      try {
        const count = await countInstructions(run.server, mode, settings, dumps);
        counts.get(target.label)![mode] = count;
        log(
          `instructions ${mode} ${target.label}: ${(count.instructionsPerRequest / 1e6).toFixed(3)} M per request, ${count.failed} failed`,
        );
      } finally {
        await run.stop();
      }
    } finally {
      rmSync(dumps, { recursive: true, force: true });
    }
  };
  for (let i = 0; i < runs.length; i += 2)
    await Promise.all(runs.slice(i, i + 2).map((run, core) => countOne(run, core)));
  return counts;
}
