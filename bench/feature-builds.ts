import { fileURLToPath } from 'node:url';
import { buildReceiptsOff, removeReceiptsOff } from './audit/gateway-receipts.js';
import type { StartOptions } from './gateway/commonweal-instance.js';
import { PinnedProcess } from './gateway/pinned-process.js';

/**
 * The builds that benches comparing billing and receipts run side by side, all of this
 * commit: everything on (the default); billing off (`billing: off`, the organization
 * without credits, so no request is held or charged); receipts off (bench/audit's
 * patched copy, whose CLI `buildReceiptsOff` returns).
 */
export const featureBuilds = ['all on', 'billing off', 'receipts off'] as const;
export type FeatureBuild = (typeof featureBuilds)[number];

/** A comma-separated list of build names, as an option gives it; an unknown name fails. */
export function parseFeatureBuilds(list: string, option: string): FeatureBuild[] {
  return list.split(',').map((name) => {
    if (!(featureBuilds as readonly string[]).includes(name)) throw new Error(`${option}: unknown build ${JSON.stringify(name)}; the builds are ${featureBuilds.join(', ')}`);
    return name as FeatureBuild;
  });
}

/** How `startCommonweal` starts `build`. */
export function featureBuildOptions(build: FeatureBuild, receiptsOffCli: string): StartOptions {
  if (build === 'billing off') return { config: { billing: 'off' }, grantCredits: false };
  if (build === 'receipts off') return { cliPath: receiptsOffCli };
  return {};
}

/**
 * Builds the receipts-off copy and starts the benchmark's fast upstream on core 1, runs
 * `body` with both, then stops the upstream and removes the copy, whatever happened.
 */
export async function withFeatureBuilds<T>(body: (receiptsOffCli: string, upstream: PinnedProcess) => Promise<T>): Promise<T> {
  const receiptsOffCli = buildReceiptsOff();
  try {
    const upstream = await PinnedProcess.start('upstream', 1, fileURLToPath(new URL('./fast-upstream.js', import.meta.url)), []);
    try {
      return await body(receiptsOffCli, upstream);
    } finally {
      await upstream.stop();
    }
  } finally {
    removeReceiptsOff();
  }
}
