import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import {
  AdminChangeLog,
  CheckpointPublisher,
  createLogHttpHandler,
  defaultLogOrigin,
  LogSigner,
  TransparencyLog,
} from './audit/index.js';
import { DeploymentRepository, ModelRepository, SiteRepository } from './catalog/index.js';
import type { ServerConfig } from './config/index.js';
import { createEngine, EmbeddedRuntime, type EngineStatus } from './engines/index.js';
import { Admission, createInferenceHandler, InferenceCatalog, InferenceProxy } from './gateway/index.js';
import { Budgets, Fund, Ledger, LedgerSweeper } from './ledger/index.js';
import { MemoryRateLimiter, RateLimits, RedisRateLimiter } from './limits/index.js';
import { UsageRepository } from './metering/index.js';
import { ModelPulls } from './model-files/index.js';
import { PolicyEngine, PolicyService } from './policy/index.js';
import { gatewayOptions } from './gateway-options.js';
import { Balancer, DeploymentRegistry, HealthChecker, RetryPolicy } from './routing/index.js';
import { AdminTokenFile, dataDirAccessWarning, type DataDirSecrets, loadDataDirSecrets } from './secrets/index.js';
import { createAppServer } from './server/index.js';
import { GroupCommitWriter, openStore, type Store } from './store/index.js';
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

/** The embedded engine's shared runtime; node-llama-cpp is imported only when a model is first loaded. */
function embeddedRuntime(config: ServerConfig, log: Logger): EmbeddedRuntime {
  return new EmbeddedRuntime({
    modelsDir: join(config.dataDir, 'models'),
    idleUnloadMs: config.embedded.idleUnloadMs,
    loadRetryMs: config.embedded.loadRetryMs,
    queuedRequestsMax: config.embedded.queuedRequestsMax,
    timeouts: gatewayOptions(config.gateway).upstream,
    moduleName: 'node-llama-cpp',
    log: (level, message, err) => log[level]({ err }, message),
  });
}

/** The embedded deployments and what their engines are doing, by deployment id. */
function engineStatuses(registry: DeploymentRegistry): Record<string, EngineStatus> {
  const statuses: Record<string, EngineStatus> = {};
  for (const { deployment, engine } of registry.all()) {
    const status = engine.status?.();
    if (status !== undefined) statuses[deployment.id] = status;
  }
  return statuses;
}

/** The transparency log: its tree in the store, its signer, and the checkpoints it publishes through the one writer. */
function transparencyLogParts(
  config: ServerConfig,
  store: Store,
  writer: GroupCommitWriter,
  secrets: DataDirSecrets,
  log: Logger,
) {
  const tree = new TransparencyLog(store);
  const signer = new LogSigner(
    config.audit.origin ?? defaultLogOrigin(secrets.auditPublicKey),
    secrets.auditSigningKey,
    secrets.auditPublicKey,
  );
  const checkpoints = new CheckpointPublisher({
    store,
    writer,
    log: tree,
    signer,
    intervalMs: config.audit.checkpointIntervalMs,
    onError: (err) => log.error({ err }, 'transparency log checkpoint not published'),
  });
  return { tree, signer, checkpoints };
}

/**
 * The credits ledger and what enforces it: budgets, rate limits, the fund and the
 * sweeper that expires holds and grants. Everything is loaded from the store here,
 * which is the truth at every start.
 */
async function billingParts(config: ServerConfig, store: Store, writer: GroupCommitWriter, log: Logger) {
  const shared = config.ledger.sharedHolds === 'auto' && store.dialect === 'postgres';
  const ledger = await Ledger.open(store, writer, {
    sharedHoldTtlMs: shared ? config.ledger.sharedHoldTtlMs : undefined,
  });
  const fund = await Fund.open(ledger);
  const budgets = await Budgets.open(ledger);
  const rateLimits = await RateLimits.open(store);
  const limiter =
    config.limits.redisUrl === undefined
      ? new MemoryRateLimiter()
      : new RedisRateLimiter({ url: config.limits.redisUrl });
  const sweeper = new LedgerSweeper(ledger, fund, config.ledger.sweepIntervalMs, (err) =>
    log.error({ err }, 'ledger sweep failed'),
  );
  const admission = new Admission({
    ledger,
    budgets,
    rateLimits,
    limiter,
    billing: config.billing,
    completionTokensDefaultMax: config.ledger.completionTokensDefaultMax,
  });
  // Two intervals: a hold that timed out just after one sweep is voided by the next.
  return {
    ledger,
    fund,
    budgets,
    rateLimits,
    limiter,
    sweeper,
    admission,
    holdGraceMs: 2 * config.ledger.sweepIntervalMs,
  };
}

/** Something startup opened, and how to close it. */
type Closer = () => Promise<void>;

/** Closes the parts in `closers`, the last opened first; one that fails to close leaves the others to close. */
async function closeInReverse(closers: Closer[]): Promise<void> {
  const failures: unknown[] = [];
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, 'several parts of the platform failed to close');
}

/**
 * The composition root: opens the store, loads the secrets, wires the modules and listens.
 * Each part that holds something open (a connection, a worker, a timer) registers its
 * closer as it opens; when a later step fails, such as the port being taken, what opened
 * so far is closed before the error is thrown, so that a failed start leaves nothing
 * running and the process can exit.
 */
export async function startPlatform(config: ServerConfig): Promise<RunningPlatform> {
  const log = pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const closers: Closer[] = [];
  try {
    return await assemblePlatform(config, log, closers);
  } catch (error) {
    // The startup error is the one to report; a part that also fails to close is only logged.
    await closeInReverse(closers).catch((closeError: unknown) =>
      log.error({ err: closeError }, 'closing after a failed start failed'),
    );
    throw error;
  }
}

async function assemblePlatform(config: ServerConfig, log: Logger, closers: Closer[]): Promise<RunningPlatform> {
  const secrets = loadDataDirSecrets(config.dataDir, config.adminToken);
  const accessWarning = dataDirAccessWarning(config.dataDir);
  if (accessWarning !== undefined) log.warn(accessWarning);
  const store = await openStore(config.database.url, join(config.dataDir, 'commonweal.sqlite'));
  closers.push(() => store.close());
  const sources = {
    apiKeys: new ApiKeyRepository(store),
    models: new ModelRepository(store),
    sites: new SiteRepository(store),
    deployments: new DeploymentRepository(store, secrets.secretBox),
  };
  const usage = new UsageRepository(store);
  const writer = new GroupCommitWriter(store);
  closers.push(() => writer.close());
  const embedded = embeddedRuntime(config, log);
  closers.push(() => embedded.close());
  const gateway = gatewayOptions(config.gateway);
  const engineSettings = { openai: gateway.upstream, embedded };
  const modelPulls = new ModelPulls({
    modelsDir: embedded.options.modelsDir,
    concurrentMax: config.embedded.pullsConcurrentMax,
    onUnexpected: (err) => log.error({ err }, 'model pull failed'),
  });
  closers.push(() => modelPulls.close());
  const registry = new DeploymentRegistry((item) => createEngine(item, engineSettings), { breaker: gateway.breaker });
  closers.push(() => registry.close());
  const policyEngine = new PolicyEngine(config.policy.defaultResidency);
  const organizations = new OrganizationRepository(store);
  const policy = new PolicyService({ store, engine: policyEngine, listOrganizations: () => organizations.listAll() });
  await policy.reload();
  const catalog = new InferenceCatalog(
    sources,
    registry,
    (problem) =>
      log.error({ err: problem.error, deploymentId: problem.deploymentId }, 'deployment left out of routing'),
    policyEngine,
  );
  await catalog.reload();
  const transparency = transparencyLogParts(config, store, writer, secrets, log);
  // A checkpoint at start covers what an earlier run appended after its last one (a killed
  // process signs none on the way out), and one at shutdown what this run appended since
  // its last interval: `audit verify` then finds the whole log signed at once, not after
  // the first interval. The writer closes after this closer, so the last one is written.
  await transparency.checkpoints.publish();
  closers.push(async () => {
    await transparency.checkpoints.stop();
    await transparency.checkpoints.publish();
  });
  const billing = await billingParts(config, store, writer, log);
  closers.push(() => billing.limiter.close());
  closers.push(() => billing.sweeper.stop());
  // Holds that timed out while the server was down are voided before it serves anyone.
  await billing.sweeper.sweep();
  const health = new HealthChecker(
    () => registry.all(),
    gateway.healthCheck,
    (deploymentId, failure) => {
      if (failure !== undefined) log.warn({ deploymentId, err: failure }, 'health check failed');
    },
  );
  closers.push(() => health.stop());
  const proxy = new InferenceProxy({
    catalog,
    balancer: new Balancer(),
    retry: new RetryPolicy(gateway.retry),
    writer,
    settlement: { usage, receipts: transparency.tree },
    responseSizeBytesMax: config.gateway.responseSizeBytesMax,
    log,
  });
  const app = await createAppServer({
    config,
    log,
    version,
    ping: () => store.ping(),
    engineStates: () => engineStatuses(registry),
    transparencyLog: createLogHttpHandler({
      log: transparency.tree,
      usage,
      checkpoints: transparency.checkpoints,
      signer: transparency.signer,
      authenticate: (authorization) => catalog.keys.authenticate(authorization, Date.now()),
      onUnexpected: (err) => log.error({ err }, 'transparency log request failed'),
    }),
    inference: createInferenceHandler({
      catalog,
      proxy,
      policy: policyEngine,
      admission: billing.admission,
      ledger: billing.ledger,
      bodySizeBytesMax: config.http.bodySizeBytesMax,
      log,
    }),
    admin: {
      adminTokenHash: secrets.adminTokenHash,
      organizations,
      projects: new ProjectRepository(store),
      ...sources,
      usage,
      policy,
      onCatalogChange: () => catalog.reload(),
      engineStatus: (deploymentId) => registry.get(deploymentId)?.engine.status?.(),
      audit: new AdminChangeLog(writer, transparency.tree),
      billing,
      modelPulls,
      modelsDir: embedded.options.modelsDir,
      embeddedInstalled: embedded.installed,
    },
  });
  closers.push(() => app.close());
  await app.listen({ host: config.host, port: config.port });
  // Stored only now that nothing can fail before the caller prints it: a first start that
  // could not listen would otherwise keep the hash of a token that nobody ever saw.
  if (secrets.generatedAdminToken !== undefined) new AdminTokenFile(config.dataDir).create(secrets.adminTokenHash);
  health.start();
  transparency.checkpoints.start();
  billing.sweeper.start();
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
      try {
        await closeInReverse(closers);
      } finally {
        clearTimeout(forceAfter);
      }
    },
  };
}
