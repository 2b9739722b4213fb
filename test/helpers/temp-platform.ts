import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerConfig, type ServerConfig } from '../../src/config/index.js';
import { type RunningPlatform, startPlatform } from '../../src/main.js';
import { crashOnInvariantViolation } from './crash-on-invariant-violation.js';

export const testAdminToken = 'cw_admin_test_token_0123456789abcdef';

export interface TempPlatform extends RunningPlatform {
  readonly dataDir: string;
  /** Closes the platform and removes its data directory. */
  dispose(): Promise<void>;
}

/** Nested config sections a test may change, such as small timeouts; the rest keeps its defaults. */
export interface TempPlatformConfig {
  readonly http?: Partial<ServerConfig['http']>;
  readonly gateway?: Partial<ServerConfig['gateway']>;
  readonly database?: ServerConfig['database'];
  readonly billing?: ServerConfig['billing'];
  readonly ledger?: Partial<ServerConfig['ledger']>;
  readonly limits?: ServerConfig['limits'];
  readonly policy?: Partial<ServerConfig['policy']>;
  readonly embedded?: Partial<ServerConfig['embedded']>;
  readonly replicas?: Partial<ServerConfig['replicas']>;
  readonly audit?: Partial<ServerConfig['audit']>;
  readonly secretsDir?: string;
  readonly metrics?: Partial<ServerConfig['metrics']>;
  readonly metering?: Partial<ServerConfig['metering']>;
  readonly tracing?: Partial<ServerConfig['tracing']>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'commonweal-test-'));
}

/**
 * Writes `config` as a JSON config file in `dataDir` and returns its path, so that it
 * goes through the same loading and validation as an operator's file.
 */
export function writeTestConfigFile(dataDir: string, config: TempPlatformConfig): string {
  const path = join(dataDir, 'test-config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** A real platform on an ephemeral port and a fresh data directory, with a known admin token. */
export async function startTempPlatform(
  dataDir = tempDataDir(),
  config: TempPlatformConfig = {},
): Promise<TempPlatform> {
  // Without overrides no file is written, so the data directory holds only what the platform put there.
  const configFile = Object.keys(config).length === 0 ? undefined : writeTestConfigFile(dataDir, config);
  const loaded = loadServerConfig(
    { configFile, dataDir, port: 0, logLevel: 'silent' },
    { COMMONWEAL_ADMIN_TOKEN: testAdminToken },
  );
  const platform = await startPlatform(loaded);
  crashOnInvariantViolation();
  return Object.assign(Object.create(platform) as RunningPlatform, platform, {
    dataDir,
    async dispose() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
