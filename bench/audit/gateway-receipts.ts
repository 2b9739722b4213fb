import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkloadMode } from '../gateway/bench-target.js';
import { commonwealTarget, startCommonweal } from '../gateway/commonweal-instance.js';
import { PinnedProcess } from '../gateway/pinned-process.js';
import { runSaturation, type SaturationSample } from '../gateway/saturation-run.js';

/*
 * The gateway with receipts on and off, through the gateway benchmark's own harness
 * (imported, not changed): the same fast upstream, `commonweal serve` pinned to core 0,
 * autocannon on core 1. "Off" is a copy of this build in which the receipt step does
 * nothing and the request digest hashes nothing — there is no setting to switch receipts
 * off, on purpose, so the copy is patched instead and the patch fails loudly if the
 * build no longer has the lines it replaces.
 */

const distRoot = fileURLToPath(new URL('../../', import.meta.url));
const offRoot = `${distRoot}bench-receipts-off/`;
const proxyCore = 0;
const loadCore = 1;

export interface GatewaySample {
  readonly receipts: boolean;
  readonly mode: WorkloadMode;
  readonly sample: SaturationSample;
}

function patch(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`cannot build the receipts-off copy: ${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

/**
 * Copies the built sources (not their tests, which `npm test` would find) and switches
 * receipts off in the copy; returns the copy's CLI. The copy sits two levels below a
 * copy of package.json, as the build does, because the version is read from there.
 * `removeReceiptsOff` deletes it.
 */
export function buildReceiptsOff(): string {
  rmSync(offRoot, { recursive: true, force: true });
  const src = `${offRoot}build/src/`;
  cpSync(`${distRoot}src`, src, { recursive: true, filter: (path) => !path.endsWith('.test.js') && !path.endsWith('.map') });
  cpSync(`${distRoot}../package.json`, `${offRoot}package.json`);
  patch(`${src}main.js`, 'receiptStep(transparency.tree, receiptFacts)', '(async () => undefined)');
  patch(`${src}gateway/inference-handler.js`, 'new ExchangeDigest(input.raw)', "{ requestSha256: '', relayed() {}, responseSha256: () => null }");
  return `${src}cli/commonweal.js`;
}

export function removeReceiptsOff(): void {
  rmSync(offRoot, { recursive: true, force: true });
}

/** Alternates the two builds, `rounds` times, at saturation for each workload; the off copy is removed afterwards. */
export async function measureGateway(rounds: number, seconds: number, warmupSeconds: number): Promise<GatewaySample[]> {
  const offCli = buildReceiptsOff();
  const upstream = await PinnedProcess.start('upstream', loadCore, `${distRoot}bench/fast-upstream.js`, []);
  const samples: GatewaySample[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const receipts of [false, true]) {
        const instance = await startCommonweal(proxyCore, upstream.url, receipts ? {} : { cliPath: offCli });
        try {
          const target = commonwealTarget(instance);
          for (const mode of ['json', 'stream'] as const) {
            await runSaturation(target, mode, { connections: 32, seconds: warmupSeconds, upstreamPid: upstream.pid });
            const sample = await runSaturation(target, mode, { connections: 32, seconds, upstreamPid: upstream.pid });
            samples.push({ receipts, mode, sample });
            console.log(`round ${round + 1}, receipts ${receipts ? 'on ' : 'off'}, ${mode}: ${Math.round(sample.requestsPerSec)} req/s, ${Math.round(sample.proxyCpuMicrosPerRequest)} µs CPU/request`);
          }
        } finally {
          await instance.process.stop();
          instance.removeData();
        }
      }
    }
  } finally {
    await upstream.stop();
    removeReceiptsOff();
  }
  return samples;
}
