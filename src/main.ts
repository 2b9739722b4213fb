import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import {
  AdminChangeLog,
  type AdminChanges,
  CheckpointPublisher,
  checkLogKey,
  createLogHttpHandler,
  defaultLogOrigin,
  LogSigner,
  ReceiptBundles,
  TransparencyLog,
} from './audit/index.js';
import { DeploymentRepository, ModelRepository, SiteRepository } from './catalog/index.js';
import type { ServerConfig } from './config/index.js';
import { createEngine, EmbeddedRuntime, type EngineStatus } from './engines/index.js';
import { Admission, createInferenceHandler, InferenceCatalog, InferenceProxy } from './gateway/index.js';
import { Budgets, Fund, Ledger, LedgerSweeper } from './ledger/index.js';
import { MemoryRateLimiter, RateLimits, RedisRateLimiter } from './limits/index.js';
import { DenialCounter, UsageRepository, UsageRollupFollower, UsageRollupReader } from './metering/index.js';
import { ModelPulls } from './model-files/index.js';
import {
  createMetricsHandler,
  createMetricsRegistry,
  GatewayMetrics,
  registerPlatformGauges,
  StoreMetrics,
  startTracing,
  TenantLabels,
} from './observability/index.js';
import { platformReadings } from './platform-readings.js';
import { PolicyEngine, PolicyService } from './policy/index.js';
import { gatewayOptions, tracingOptions } from './gateway-options.js';
import { ConfirmedAdminChanges, ReplicaConfigSync, SignerLease } from './replicas/index.js';
import { Balancer, DeploymentRegistry, HealthChecker, RetryPolicy } from './routing/index.js';
import {
  AdminTokenFile,
  dataDirAccessWarning,
  type DataDirSecrets,
  loadDataDirSecrets,
  secretsDirOf,
} from './secrets/index.js';
import { createAppServer, createMetricsServer, ServerDrain } from './server/index.js';
import { GroupCommitWriter, openStore, type Store } from './store/index.js';
import { ApiKeyRepository, OrganizationRepository, ProjectRepository } from './tenancy/index.js';
import { version } from './version.js';

export interface RunningPlatform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly secrets: DataDirSecrets;
  /** Where Prometheus scrapes, on the main port or `metrics.port`; undefined when metrics are off. */
  readonly metricsUrl: string | undefined;
  /**
   * Drains, then closes: /readyz answers 503 and new connections are refused at once,
   * requests in flight finish (cut after `http.drainTimeoutMs`, and still recorded), then
   * the writer flushes and the store closes.
   */
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

/**
 * How a replica on PostgreSQL opens a session it keeps for itself, named after its role and
 * process; connecting for longer than a lease is pointless.
 */
function replicaSession(config: ServerConfig, role: 'signer' | 'config') {
  const { url } = config.database;
  if (url === undefined) return undefined;
  const applicationName = `commonweal-${role} pid ${process.pid}`;
  return { connectionString: url, connectTimeoutMs: config.replicas.leaseMs, applicationName };
}

/**
 * The transparency log: its tree in the store, its signer, and the checkpoints it publishes
 * through the one writer. Replicas on PostgreSQL sign periodic checkpoints only while they
 * hold the signing lease, and a replica whose key did not sign the log's checkpoints does
 * not start: it would fork the log.
 */
async function transparencyLogParts(
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
  const session = replicaSession(config, 'signer');
  const lease =
    session === undefined
      ? undefined
      : new SignerLease(session, (err) => log.warn({ err }, 'transparency log signing lease lost'));
  const checkpoints = new CheckpointPublisher({
    store,
    writer,
    log: tree,
    signer,
    intervalMs: config.audit.checkpointIntervalMs,
    lease,
    onError: (err) => log.error({ err }, 'transparency log checkpoint not published'),
  });
  if (lease !== undefined) checkLogKey(await checkpoints.latest(), signer);
  return { tree, signer, checkpoints, lease };
}

/**
 * For replicas on PostgreSQL: keeps this replica's caches on the shared configuration and
 * makes admin changes wait until every replica has loaded them (docs/replicas.md).
 * A single process (SQLite) has none of it and pays nothing for it.
 */
async function replicaParts(
  config: ServerConfig,
  store: Store,
  reload: () => Promise<void>,
  changes: AdminChanges,
  log: Logger,
): Promise<{ sync: ReplicaConfigSync | undefined; changes: AdminChanges }> {
  const session = replicaSession(config, 'config');
  if (session === undefined) return { sync: undefined, changes };
  const sync = new ReplicaConfigSync({
    store,
    session,
    reload,
    heartbeatIntervalMs: config.replicas.heartbeatIntervalMs,
    leaseMs: config.replicas.leaseMs,
    onError: (err, message) => log.error({ err }, message),
  });
  await sync.start();
  return { sync, changes: new ConfirmedAdminChanges(changes, sync) };
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

/** The metrics' registry and the parts that count into it; the gauges read the rest at scrape time. */
function metricsParts(config: ServerConfig) {
  const registry = createMetricsRegistry();
  const tenants = new TenantLabels(config.metrics.tenantLabels, config.metrics.tenantLabelsMax);
  return { registry, store: new StoreMetrics(registry), gateway: new GatewayMetrics(registry, tenants) };
}

/** The URL of a listening server, its IPv6 address in brackets. */
function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts `metrics.port`'s own listener; resolves with its URL. */
async function listenForMetrics(
  config: ServerConfig,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  closers: Closer[],
): Promise<string> {
  const server = createMetricsServer(config.http, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metrics.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scrape is short and Prometheus scrapes again: its idle keep-alive connections need no grace.
        server.closeAllConnections();
      }),
  );
  return urlOf(server);
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
  const secrets = loadDataDirSecrets(config, config.adminToken);
  const traceExport = tracingOptions(config.tracing, version);
  const tracing =
    traceExport === undefined
      ? undefined
      : startTracing(traceExport, (err, spanCount) => log.warn({ err, spanCount }, 'spans not exported, dropped'));
  // Closed last, after the server: the spans of the requests that finish during shutdown are exported too.
  if (tracing !== undefined) closers.push(() => tracing.shutdown());
  const accessWarning = dataDirAccessWarning(config.dataDir);
  if (accessWarning !== undefined) log.warn(accessWarning);
  const store = await openStore(config.database.url, join(config.dataDir, 'commonweal.sqlite'));
  closers.push(async () => {
    await store.close();
    log.info('shutdown: store closed');
  });
  const sources = {
    apiKeys: new ApiKeyRepository(store),
    models: new ModelRepository(store),
    sites: new SiteRepository(store),
    deployments: new DeploymentRepository(store, secrets.secretBox),
  };
  const usage = new UsageRepository(store);
  const metrics = config.metrics.enabled ? metricsParts(config) : undefined;
  const writer = new GroupCommitWriter(store, {}, metrics?.store);
  closers.push(async () => {
    await writer.close();
    log.info('shutdown: writer flushed');
  });
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
  const transparency = await transparencyLogParts(config, store, writer, secrets, log);
  const { lease } = transparency;
  closers.push(async () => lease?.release());
  // A checkpoint at start covers what an earlier run appended after its last one (a killed
  // process signs none on the way out), and one at shutdown what this run appended since
  // its last interval: `audit verify` then finds the whole log signed at once, not after
  // the first interval. The writer closes after this closer, so the last one is written.
  await transparency.checkpoints.publishAsSigner();
  closers.push(async () => {
    await transparency.checkpoints.stop();
    if (lease === undefined || lease.held) await transparency.checkpoints.publish();
  });
  const billing = await billingParts(config, store, writer, log);
  closers.push(() => billing.limiter.close());
  closers.push(() => billing.sweeper.stop());
  const replicas = await replicaParts(
    config,
    store,
    async () => {
      await Promise.all([catalog.reload(), policy.reload(), billing.rateLimits.reload()]);
    },
    new AdminChangeLog(writer, transparency.tree),
    log,
  );
  closers.push(async () => replicas.sync?.close());
  // Holds that timed out while the server was down are voided before it serves anyone.
  await billing.sweeper.sweep();
  const healthVerdicts = new Map<string, boolean>();
  const rollups = new UsageRollupFollower(writer, {
    intervalMs: config.metering.rollupIntervalMs,
    recordsPerStepMax: config.metering.rollupRecordsPerStepMax,
    onError: (err) => log.error({ err }, 'usage rollups not updated'),
  });
  closers.push(() => rollups.stop());
  const denials = new DenialCounter(writer, {
    flushIntervalMs: config.metering.denialFlushIntervalMs,
    onError: (err) => log.error({ err }, 'counts of refused requests not written'),
  });
  closers.push(() => denials.stop());
  const health = new HealthChecker(
    () => registry.all(),
    gateway.healthCheck,
    (deploymentId, failure) => {
      healthVerdicts.set(deploymentId, failure === undefined);
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
  if (metrics !== undefined) {
    const { tree, checkpoints } = transparency;
    const readings = platformReadings({
      registry,
      healthVerdicts,
      writer,
      ledger: billing.ledger,
      log: tree,
      checkpoints,
    });
    registerPlatformGauges(metrics.registry, readings);
  }
  const metricsHandler =
    metrics === undefined
      ? undefined
      : createMetricsHandler({
          registry: metrics.registry,
          bearerToken: config.metrics.bearerToken,
          onUnexpected: (err) => log.error({ err }, 'metrics scrape failed'),
        });
  const ownMetricsPort = config.metrics.port !== undefined;
  const receipts = new ReceiptBundles({ log: transparency.tree, usage, checkpoints: transparency.checkpoints });
  const drain = new ServerDrain();
  const app = await createAppServer({
    config,
    metrics: ownMetricsPort ? undefined : metricsHandler,
    log,
    version,
    drain,
    ping: () => store.ping(),
    engineStates: () => engineStatuses(registry),
    gate: replicas.sync,
    transparencyLog: createLogHttpHandler({
      log: transparency.tree,
      receipts,
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
      metrics: metrics?.gateway,
      gate: replicas.sync,
      denials,
      tracer: tracing?.tracer,
    }),
    admin: {
      adminTokenHash: secrets.adminTokenHash,
      organizations,
      projects: new ProjectRepository(store),
      ...sources,
      usage,
      receipts,
      rollups: new UsageRollupReader(store),
      policy,
      onCatalogChange: () => catalog.reload(),
      routed: (deploymentId) => registry.get(deploymentId),
      audit: replicas.changes,
      billing,
      modelPulls,
      modelsDir: embedded.options.modelsDir,
      embeddedInstalled: embedded.installed,
    },
  });
  closers.push(() => app.close());
  await app.listen({ host: config.host, port: config.port });
  const url = urlOf(app.server);
  const metricsOrigin =
    metricsHandler === undefined
      ? undefined
      : ownMetricsPort
        ? await listenForMetrics(config, metricsHandler, closers)
        : url;
  // Stored only now that nothing can fail before the caller prints it: a first start that
  // could not listen would otherwise keep the hash of a token that nobody ever saw.
  if (secrets.generatedAdminToken !== undefined)
    new AdminTokenFile(secretsDirOf(config)).create(secrets.adminTokenHash);
  health.start();
  transparency.checkpoints.start();
  billing.sweeper.start();
  rollups.start();
  denials.start();
  return {
    url,
    app,
    store,
    secrets,
    metricsUrl: metricsOrigin === undefined ? undefined : `${metricsOrigin}/metrics`,
    async close() {
      const { drainTimeoutMs } = config.http;
      // The listener is closed before this is logged: whoever reads the line finds connections refused.
      const drained = drain.drain(app.server, drainTimeoutMs);
      log.info({ inFlight: drain.inFlight, drainTimeoutMs }, 'shutdown: draining, not ready, new connections refused');
      const report = await drained;
      if (report.cut === 0)
        log.info({ finished: report.inFlightAtStart }, 'shutdown: every request in flight finished');
      else log.warn({ cut: report.cut, drainTimeoutMs }, 'shutdown: drain deadline passed; requests cut and recorded');
      await closeInReverse(closers);
    },
  };
}
