import { type Static, Type } from '@sinclair/typebox';
import { patternString } from './pattern-string.js';

const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

/** The server's configuration: every key, its type and its bounds, in one place. */
export const ServerConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    dataDir: Type.String({ minLength: 1 }),
    logLevel: LogLevel,
    /**
     * Where the secrets files live (signing key, encryption key, admin token hash); absent means `<dataDir>/secrets`.
     * Replicas that share one PostgreSQL database must share these files: mount one directory into each.
     */
    secretsDir: Type.Optional(Type.String({ minLength: 1 })),
    /** Set for automation; otherwise a token is generated at first start. Never logged. */
    adminToken: Type.Optional(Type.String({ minLength: 24 })),
    database: Type.Object(
      {
        /** PostgreSQL for several replicas; absent means the embedded SQLite file in the data directory. */
        url: Type.Optional(patternString('^postgres(ql)?://', 'a postgres:// or postgresql:// URL')),
      },
      { additionalProperties: false },
    ),
    http: Type.Object(
      {
        bodySizeBytesMax: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
        /** Time to receive a request's line and headers. */
        headersTimeoutMs: Type.Integer({ minimum: 100 }),
        /** Time to receive a whole request, headers and body; the answer, however long it streams, is not counted. */
        requestTimeoutMs: Type.Integer({ minimum: 100 }),
        keepAliveTimeoutMs: Type.Integer({ minimum: 100 }),
        /** On SIGTERM, how long requests in flight (streams included) may take to finish before they are cut. */
        drainTimeoutMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
      },
      { additionalProperties: false },
    ),
    gateway: Type.Object(
      {
        connectTimeoutMs: Type.Integer({ minimum: 1 }),
        firstByteTimeoutMs: Type.Integer({ minimum: 1 }),
        idleTimeoutMs: Type.Integer({ minimum: 1 }),
        totalTimeoutMs: Type.Integer({ minimum: 1 }),
        connectionsPerDeploymentMax: Type.Integer({ minimum: 1, maximum: 10_000 }),
        queuedCallsPerDeploymentMax: Type.Integer({ minimum: 0, maximum: 100_000 }),
        attemptsMax: Type.Integer({ minimum: 1, maximum: 10 }),
        responseSizeBytesMax: Type.Integer({ minimum: 1024 }),
        healthCheckIntervalMs: Type.Integer({ minimum: 100 }),
        healthCheckTimeoutMs: Type.Integer({ minimum: 10 }),
        circuitFailuresMax: Type.Integer({ minimum: 1, maximum: 1000 }),
        circuitOpenMs: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
    /** `on`: an organization without a credits account gets 402; `off`: it runs unmetered (organizations with an account are still charged). */
    billing: Type.Union([Type.Literal('on'), Type.Literal('off')]),
    ledger: Type.Object(
      {
        /** How often expired holds are voided and expired grants return to their pools. */
        sweepIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
        /** The completion bound of a hold when a request sets no max_tokens and its model has no context length. */
        completionTokensDefaultMax: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
        /**
         * `auto`: with PostgreSQL, requests' credit holds are kept in the database, where every
         * replica sees them; with SQLite, in memory. `off`: in memory always, for one replica.
         */
        sharedHolds: Type.Union([Type.Literal('auto'), Type.Literal('off')]),
        /** A shared hold expires this long after its replica last renewed it (at every sweep): a dead replica's holds go. */
        sharedHoldTtlMs: Type.Integer({ minimum: 1_000, maximum: 3_600_000 }),
      },
      { additionalProperties: false },
    ),
    limits: Type.Object(
      {
        /** Rate limits shared by replicas in Redis, e.g. `redis://127.0.0.1:6379`; absent means in memory, per process. */
        redisUrl: Type.Optional(patternString('^rediss?://', 'a redis:// or rediss:// URL')),
      },
      { additionalProperties: false },
    ),
    policy: Type.Object(
      {
        /** The residency policy a new organization starts with: anywhere, or only its home jurisdiction. */
        defaultResidency: Type.Union([Type.Literal('open'), Type.Literal('home')]),
      },
      { additionalProperties: false },
    ),
    embedded: Type.Object(
      {
        /** A model unused this long is unloaded, giving its memory back; the next request loads it again. */
        idleUnloadMs: Type.Integer({ minimum: 1_000, maximum: 7 * 24 * 3_600_000 }),
        /** After a model failed to load, requests get its reason at once for this long before a load is tried again. */
        loadRetryMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
        /** Requests that may wait per embedded deployment while its parallel sequences are busy; one more gets 429. */
        queuedRequestsMax: Type.Integer({ minimum: 0, maximum: 10_000 }),
        /** Model files the server downloads at once (`models pull`); one more pull is refused until one ends. */
        pullsConcurrentMax: Type.Integer({ minimum: 1, maximum: 16 }),
      },
      { additionalProperties: false },
    ),
    replicas: Type.Object(
      {
        /** How often a replica on PostgreSQL checks the configuration version and renews its lease. */
        heartbeatIntervalMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
        /** How long a lease lasts: a replica that cannot renew it for this long refuses /v1 requests until it can. */
        leaseMs: Type.Integer({ minimum: 200, maximum: 600_000 }),
      },
      { additionalProperties: false },
    ),
    metering: Type.Object(
      {
        /** How often the usage rollups that the console reads catch up with the records; their staleness bound. */
        rollupIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
        /** The most records one catch-up step adds in, which bounds how long it holds the shared transaction. */
        rollupRecordsPerStepMax: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** How often counts of requests refused before admission are written; a crash loses at most this much. */
        denialFlushIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
      },
      { additionalProperties: false },
    ),
    tracing: Type.Object(
      {
        /**
         * Where spans are sent, as OTLP/HTTP JSON, e.g. `http://collector:4318/v1/traces`; absent, tracing is off and
         * no tracer is started.
         */
        otlpEndpoint: Type.Optional(patternString('^https?://', 'an http:// or https:// URL')),
        /** The share of requests without a sampled parent that are traced; a client's sampled parent is always followed. */
        sampleRatio: Type.Number({ minimum: 0, maximum: 1 }),
        /** Ended spans that may wait for export; beyond them new spans are dropped rather than hold memory. */
        queuedSpansMax: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        /** How long ended spans wait to be exported together. */
        exportDelayMs: Type.Integer({ minimum: 1, maximum: 600_000 }),
        /** How long one export may take before it is abandoned, and its spans with it. */
        exportTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000 }),
      },
      { additionalProperties: false },
    ),
    audit: Type.Object(
      {
        /** The transparency log's name in its checkpoints, e.g. `ai.example.gov/commonweal/log`; derived from the key when absent. */
        origin: Type.Optional(
          patternString('^[^\\s+]+$', 'a name without spaces or "+"', { minLength: 1, maxLength: 200 }),
        ),
        checkpointIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
      },
      { additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        /** Serve Prometheus metrics at /metrics; off leaves the path unanswered (404) and counts nothing. */
        enabled: Type.Boolean(),
        /** A listener of its own for /metrics; absent means /metrics is served on the main port. */
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        /** When set, a scrape must send `Authorization: Bearer <token>`. Never logged. */
        bearerToken: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
        /** Per-tenant series on the request and credit counters: none, by organization, or by API key. */
        tenantLabels: Type.Union([Type.Literal('none'), Type.Literal('organization'), Type.Literal('key')]),
        /** Distinct tenant label values kept; later tenants are counted under `other`. */
        tenantLabelsMax: Type.Integer({ minimum: 1, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type ServerConfig = Readonly<Static<typeof ServerConfigSchema>>;

export const serverConfigDefaults: ServerConfig = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  dataDir: './.commonweal',
  logLevel: 'info',
  database: Object.freeze({}),
  http: Object.freeze({
    bodySizeBytesMax: 4 * 1024 * 1024,
    headersTimeoutMs: 10_000,
    // A body trickled in a byte at a time would hold a connection open for good. A full
    // body (4 MiB) arrives in this time at about 70 KB/s.
    requestTimeoutMs: 60_000,
    keepAliveTimeoutMs: 65_000,
    // Most chat answers stream in well under this; Kubernetes' termination grace period is set above it.
    drainTimeoutMs: 30_000,
  }),
  gateway: Object.freeze({
    connectTimeoutMs: 5_000,
    // Prefill of a long prompt on a busy server can take tens of seconds.
    firstByteTimeoutMs: 60_000,
    idleTimeoutMs: 30_000,
    totalTimeoutMs: 600_000,
    connectionsPerDeploymentMax: 64,
    queuedCallsPerDeploymentMax: 256,
    attemptsMax: 3,
    // A non-streamed answer is held whole until its usage is durable; this bounds it.
    responseSizeBytesMax: 16 * 1024 * 1024,
    healthCheckIntervalMs: 10_000,
    healthCheckTimeoutMs: 2_000,
    // Consecutive failures that take a deployment out of rotation, and for how long
    // before a probe request may try it again (a passing health check ends it sooner).
    circuitFailuresMax: 5,
    circuitOpenMs: 10_000,
  }),
  billing: 'on',
  ledger: Object.freeze({
    sweepIntervalMs: 10_000,
    // Long-context open-weight models reach 128k tokens; a catalog entry with its context length gives tighter holds.
    completionTokensDefaultMax: 131_072,
    sharedHolds: 'auto',
    // Six sweeps: a replica that misses a renewal or two under load keeps its holds.
    sharedHoldTtlMs: 60_000,
  }),
  limits: Object.freeze({}),
  policy: Object.freeze({
    // Open keeps a fresh install usable at once; an operator who wants residency by
    // default sets `home`, and every organization created afterwards starts home-only.
    defaultResidency: 'open',
  }),
  embedded: Object.freeze({
    // Long enough that a model in occasional use stays loaded between requests.
    idleUnloadMs: 15 * 60_000,
    loadRetryMs: 30_000,
    queuedRequestsMax: 64,
    // Two: a second model can come while a large one downloads, without many sharing the link.
    pullsConcurrentMax: 2,
  }),
  replicas: Object.freeze({
    heartbeatIntervalMs: 1_000,
    // Five heartbeats: a replica survives a few slow rounds, and an admin change that narrows
    // a policy waits at most this long for a replica that stopped answering.
    leaseMs: 5_000,
  }),
  metering: Object.freeze({
    // Charts a second behind the requests; a step of 2,000 records holds the writer for a few milliseconds.
    rollupIntervalMs: 1_000,
    rollupRecordsPerStepMax: 2_000,
    denialFlushIntervalMs: 5_000,
  }),
  tracing: Object.freeze({
    sampleRatio: 1,
    // The OpenTelemetry SDK's own defaults: at about 5 spans a request, some 400 requests' worth.
    queuedSpansMax: 2_048,
    exportDelayMs: 5_000,
    exportTimeoutMs: 30_000,
  }),
  audit: Object.freeze({
    // Often enough that a witness sees new leaves within seconds, rarely enough to cost nothing.
    checkpointIntervalMs: 5_000,
  }),
  metrics: Object.freeze({
    // On: an operator's Prometheus expects /metrics, and a scrape costs nothing until it comes.
    enabled: true,
    tenantLabels: 'none',
    // Each tenant multiplies the series of every counter it labels; a hundred keeps a scrape small.
    tenantLabelsMax: 100,
  }),
});
