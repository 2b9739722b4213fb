import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerConfig } from '../../src/config/index.js';
import { type RunningPlatform, startPlatform } from '../../src/main.js';

export const testAdminToken = 'cw_admin_test_token_0123456789abcdef';

export interface TempPlatform extends RunningPlatform {
  readonly dataDir: string;
  /** Closes the platform and removes its data directory. */
  dispose(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'commonweal-test-'));
}

/** A real platform on an ephemeral port and a fresh data directory, with a known admin token. */
export async function startTempPlatform(dataDir = tempDataDir()): Promise<TempPlatform> {
  const config = loadServerConfig({ dataDir, port: 0, logLevel: 'silent' }, { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
  const platform = await startPlatform(config);
  return Object.assign(Object.create(platform) as RunningPlatform, platform, {
    dataDir,
    async dispose() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
