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
        shutdownGraceMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
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
    shutdownGraceMs: 10_000,
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
  audit: Object.freeze({
    // Often enough that a witness sees new leaves within seconds, rarely enough to cost nothing.
    checkpointIntervalMs: 5_000,
  }),
});
