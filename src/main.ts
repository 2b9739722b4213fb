import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { DeploymentRepository, ModelRepository, SiteRepository } from './catalog/index.js';
import type { ServerConfig } from './config/index.js';
import { createEngine, type OpenAiUpstreamOptions } from './engines/index.js';
import { createInferenceHandler, InferenceCatalog, InferenceProxy } from './gateway/index.js';
import { GroupCommitWriter, UsageRecorder, UsageRepository } from './metering/index.js';
import {
  Balancer,
  circuitBreakerDefaults,
  DeploymentRegistry,
  type DeploymentStatsOptions,
  deploymentStatsDefaults,
  HealthChecker,
  RetryPolicy,
  retryPolicyDefaults,
} from './routing/index.js';
import { type DataDirSecrets, loadDataDirSecrets } from './secrets/index.js';
import { createAppServer } from './server/index.js';
import { openStore, type Store } from './store/index.js';
import { ApiKeyRepository, OrganizationRepository, ProjectRepository } from './tenancy/index.js';
import { version } from './version.js';

export interface RunningPlatform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly secrets: DataDirSecrets;
  /** Stops accepting connections, lets requests in flight finish (bounded by the grace time), closes the store. */
  close(): Promise<void>;
}

function engineOptions(config: ServerConfig): OpenAiUpstreamOptions {
  const g = config.gateway;
  return {
    connectTimeoutMs: g.connectTimeoutMs,
    firstByteTimeoutMs: g.firstByteTimeoutMs,
    idleTimeoutMs: g.idleTimeoutMs,
    totalTimeoutMs: g.totalTimeoutMs,
    connectionsMax: g.connectionsPerDeploymentMax,
    queuedCallsMax: g.queuedCallsPerDeploymentMax,
  };
}

function statsOptions(config: ServerConfig): DeploymentStatsOptions {
  const g = config.gateway;
  return { ...deploymentStatsDefaults, breaker: { ...circuitBreakerDefaults, failuresMax: g.circuitFailuresMax, openMs: g.circuitOpenMs } };
}

/** The composition root: opens the store, loads the secrets, wires the modules and listens. */
export async function startPlatform(config: ServerConfig): Promise<RunningPlatform> {
  const log = pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const secrets = loadDataDirSecrets(config.dataDir, config.adminToken);
  const store = await openStore(config.database.url, join(config.dataDir, 'commonweal.sqlite'));
  const sources = {
    apiKeys: new ApiKeyRepository(store),
    models: new ModelRepository(store),
    sites: new SiteRepository(store),
    deployments: new DeploymentRepository(store, secrets.secretBox),
  };
  const usage = new UsageRepository(store);
  const writer = new GroupCommitWriter(store);
  const registry = new DeploymentRegistry((item) => createEngine(item, engineOptions(config)), statsOptions(config));
  const catalog = new InferenceCatalog(sources, registry, (problem) =>
    log.error({ err: problem.error, deploymentId: problem.deploymentId }, 'deployment left out of routing'),
  );
  await catalog.reload();
  const health = new HealthChecker(
    () => registry.all(),
    { intervalMs: config.gateway.healthCheckIntervalMs, timeoutMs: config.gateway.healthCheckTimeoutMs, concurrencyMax: 8 },
    (deploymentId, failure) => {
      if (failure !== undefined) log.warn({ deploymentId, err: failure }, 'health check failed');
    },
  );
  const proxy = new InferenceProxy({
    catalog,
    balancer: new Balancer(),
    retry: new RetryPolicy({ ...retryPolicyDefaults, attemptsMax: config.gateway.attemptsMax }),
    usage: new UsageRecorder(writer, usage),
    responseSizeBytesMax: config.gateway.responseSizeBytesMax,
    log,
  });
  const app = await createAppServer({
    config,
    log,
    version,
    ping: () => store.ping(),
    inference: createInferenceHandler({ catalog, proxy, bodySizeBytesMax: config.http.bodySizeBytesMax, log }),
    admin: {
      adminTokenHash: secrets.adminTokenHash,
      organizations: new OrganizationRepository(store),
      projects: new ProjectRepository(store),
      ...sources,
      usage,
      onCatalogChange: () => catalog.reload(),
    },
  });
  const shutDown = async () => {
    await health.stop();
    await registry.close();
    await writer.close();
    await store.close();
  };
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await shutDown();
    throw error;
  }
  health.start();
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    app,
    store,
    secrets,
    async close() {
      const forceAfter = setTimeout(() => app.server.closeAllConnections(), config.http.shutdownGraceMs).unref();
      app.server.closeIdleConnections();
      await app.close();
      clearTimeout(forceAfter);
      await shutDown();
    },
  };
}
