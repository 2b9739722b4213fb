import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StartOptions } from './gateway/commonweal-instance.js';
import { PinnedProcess } from './gateway/pinned-process.js';

/**
 * The builds that benches comparing billing and receipts run side by side, all of this
 * commit: everything on (the default); billing off (`billing: off`, the organization
 * without credits, so no request is held or charged); receipts off (a patched copy,
 * see `buildReceiptsOff`).
 */
export const featureBuilds = ['all on', 'billing off', 'receipts off'] as const;
export type FeatureBuild = (typeof featureBuilds)[number];

const distRoot = fileURLToPath(new URL('../', import.meta.url));
const receiptsOffRoot = `${distRoot}bench-receipts-off/`;

/** How `startCommonweal` starts `build`. */
export function featureBuildOptions(build: FeatureBuild, receiptsOffCli: string): StartOptions {
  if (build === 'billing off') return { config: { billing: 'off' }, grantCredits: false };
  if (build === 'receipts off') return { cliPath: receiptsOffCli };
  return {};
}

function patch(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from))
    throw new Error(`cannot build the receipts-off copy: ${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

/**
 * Copies the built sources (not their tests, which `npm test` would find) into a copy in
 * which no receipt is written and the request digest hashes nothing, and returns
 * the copy's CLI. There is no setting to switch receipts off, on purpose, so the copy is
 * patched instead, and the patch fails loudly if the build no longer has the lines it
 * replaces. The copy sits two levels below a copy of package.json, as the build does,
 * because the version is read from there.
 */
function buildReceiptsOff(): string {
  rmSync(receiptsOffRoot, { recursive: true, force: true });
  const src = `${receiptsOffRoot}build/src/`;
  cpSync(`${distRoot}src`, src, {
    recursive: true,
    filter: (path) => !path.endsWith('.test.js') && !path.endsWith('.map'),
  });
  cpSync(`${distRoot}../package.json`, `${receiptsOffRoot}package.json`);
  patch(`${src}main.js`, 'receipts: transparency.tree', 'receipts: undefined');
  patch(
    `${src}gateway/inference-handler.js`,
    'new ExchangeDigest(input.raw)',
    "{ requestSha256: '', relayed() {}, responseSha256: () => null }",
  );
  return `${src}cli/commonweal.js`;
}

/**
 * Builds the receipts-off copy and starts the benchmark's fast upstream on core 1, runs
 * `body` with both, then stops the upstream and removes the copy, whatever happened.
 */
export async function withFeatureBuilds<T>(
  body: (receiptsOffCli: string, upstream: PinnedProcess) => Promise<T>,
): Promise<T> {
  try {
    const receiptsOffCli = buildReceiptsOff();
    const upstream = await PinnedProcess.start(
      'upstream',
      1,
      fileURLToPath(new URL('./fast-upstream.js', import.meta.url)),
      [],
    );
    try {
      return await body(receiptsOffCli, upstream);
    } finally {
      await upstream.stop();
    }
  } finally {
    rmSync(receiptsOffRoot, { recursive: true, force: true });
  }
}
