import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { BenchTarget } from './bench-target.js';
import { PinnedProcess } from './pinned-process.js';

const builtCliPath = fileURLToPath(new URL('../../src/cli/commonweal.js', import.meta.url));
const adminToken = 'cw_admin_bench_token_0123456789abcdef';
export const benchModelId = 'bench-model';

/**
 * The one setting changed from the defaults, and why: a deployment's connection pool holds
 * 64 connections and queues 256 calls by default, and a stream holds its connection for its
 * whole life, so 1,000 concurrent streams to one deployment need a pool that large. At 32
 * client connections the pool size changes nothing else.
 */
export const benchGatewayConfig = Object.freeze({ gateway: { connectionsPerDeploymentMax: 1_100 } });

/** A running `commonweal serve`, set up with an organization, a project key, a model, a site and a deployment. */
export interface CommonwealInstance {
  readonly process: PinnedProcess;
  readonly apiKey: string;
  readonly dataDir: string;
  /** Whether the organization was given credits, so that every request takes a credit hold and settles it. */
  readonly creditsGranted: boolean;
  /** Removes the data directory; call after the process has stopped. */
  removeData(): void;
}

/** Posts to the admin API; a route this build does not have answers undefined when `optional`. */
async function admin(
  baseUrl: string,
  path: string,
  body: unknown,
  optional = false,
): Promise<Record<string, unknown> | undefined> {
  const answer = await request(baseUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  if (optional && answer.statusCode === 404 && text.includes('route_not_found')) return undefined;
  if (answer.statusCode >= 300) throw new Error(`POST ${path} → ${answer.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export interface StartOptions {
  /** Arguments for node itself, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Another build of the CLI than this one, e.g. to compare two builds. */
  readonly cliPath?: string;
  /** A command node runs under, e.g. valgrind's. */
  readonly wrapper?: readonly string[];
  readonly startTimeoutMs?: number;
  /** Settings added to the benchmark's, e.g. `{ billing: 'off' }`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Give the organization credits (the default), so that every request is billed; without them and with `billing: off` none is. */
  readonly grantCredits?: boolean;
}

/** Spawns `commonweal serve` on `core` and registers `upstreamOrigin` as the deployment of model `bench-model`. */
export async function startCommonweal(
  core: number,
  upstreamOrigin: string,
  options: StartOptions = {},
): Promise<CommonwealInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'commonweal-bench-'));
  const configFile = join(dataDir, 'bench-config.json');
  writeFileSync(configFile, JSON.stringify({ ...benchGatewayConfig, ...options.config }));
  let server: PinnedProcess;
  try {
    server = await PinnedProcess.start(
      'commonweal',
      core,
      options.cliPath ?? builtCliPath,
      ['serve', '--port', '0', '--data-dir', dataDir, '--config', configFile, '--log-level', 'info'],
      {
        env: { COMMONWEAL_ADMIN_TOKEN: adminToken },
        nodeArgs: options.nodeArgs ?? [],
        wrapper: options.wrapper ?? [],
        startTimeoutMs: options.startTimeoutMs,
      },
    );
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  try {
    const url = server.url;
    await admin(url, '/admin/v1/orgs', { id: 'bench', name: 'Bench', homeJurisdiction: 'DE' });
    await admin(url, '/admin/v1/orgs/bench/projects', { id: 'main', name: 'Main' });
    const key = (await admin(url, '/admin/v1/orgs/bench/keys', { role: 'project', projectId: 'main' }))!;
    // Builds with a credits ledger hold and settle credits on every request once the
    // organization has an account; builds without one have no such route.
    const credits =
      options.grantCredits === false
        ? undefined
        : await admin(
            url,
            '/admin/v1/orgs/bench/credits',
            { amountMicro: 1_000_000_000_000_000, memo: 'benchmark' },
            true,
          );
    await admin(url, '/admin/v1/models', {
      id: benchModelId,
      inputPriceMicroPerMtok: 1_000_000,
      outputPriceMicroPerMtok: 2_000_000,
    });
    await admin(url, '/admin/v1/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
    await admin(url, '/admin/v1/deployments', {
      id: 'dep-0',
      modelId: benchModelId,
      siteId: 'fra-1',
      kind: 'openai',
      baseUrl: `${upstreamOrigin}/v1`,
    });
    return {
      process: server,
      apiKey: String(key.secret),
      dataDir,
      creditsGranted: credits !== undefined,
      removeData: () => rmSync(dataDir, { recursive: true, force: true }),
    };
  } catch (error) {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The instance as a benchmark target: requests go to its URL with its API key, and its process is the one measured. */
export function commonwealTarget(instance: CommonwealInstance): BenchTarget {
  return {
    label: 'C',
    name: 'Commonweal',
    origin: instance.process.url,
    proxyPid: instance.process.pid,
    headers: { authorization: `Bearer ${instance.apiKey}` },
  };
}
