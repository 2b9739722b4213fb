import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { patternExpectation } from './pattern-string.js';
import { type ServerConfig, ServerConfigSchema, serverConfigDefaults } from './server-config.js';

/** Values given on the command line; they win over the environment and the file. */
export interface ServerConfigOverrides {
  readonly configFile?: string;
  readonly host?: string;
  readonly port?: number;
  readonly dataDir?: string;
  readonly logLevel?: string;
  readonly metricsPort?: number;
  readonly drainTimeoutMs?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  // A .yaml or .yml file is YAML (1.2, so `billing: off` stays the string "off"); anything else is JSON.
  const format = /\.ya?ml$/i.test(path) ? 'YAML' : 'JSON';
  let parsed: unknown;
  try {
    parsed = format === 'YAML' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid ${format}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} is not valid ${format}: not an object of settings`);
  }
  return parsed as Record<string, unknown>;
}

function fromEnv(env: Env): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (env.COMMONWEAL_HOST) picked.host = env.COMMONWEAL_HOST;
  if (env.COMMONWEAL_PORT) picked.port = Number(env.COMMONWEAL_PORT);
  if (env.COMMONWEAL_DATA_DIR) picked.dataDir = env.COMMONWEAL_DATA_DIR;
  if (env.COMMONWEAL_LOG_LEVEL) picked.logLevel = env.COMMONWEAL_LOG_LEVEL;
  if (env.COMMONWEAL_ADMIN_TOKEN) picked.adminToken = env.COMMONWEAL_ADMIN_TOKEN;
  if (env.COMMONWEAL_SECRETS_DIR) picked.secretsDir = env.COMMONWEAL_SECRETS_DIR;
  return picked;
}

function httpFromEnv(env: Env): Record<string, unknown> {
  return env.COMMONWEAL_DRAIN_TIMEOUT_MS ? { drainTimeoutMs: Number(env.COMMONWEAL_DRAIN_TIMEOUT_MS) } : {};
}

/**
 * The traces endpoint from the environment: ours, else OpenTelemetry's standard variables, so that a collector
 * already configured for other services is found. The general OTLP endpoint is a base to which the traces path
 * is appended, as the OpenTelemetry specification says; the traces one is used as it is.
 */
function otlpEndpointFromEnv(env: Env): { otlpEndpoint?: string } {
  const own = env.COMMONWEAL_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (own) return { otlpEndpoint: own };
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (base) return { otlpEndpoint: `${base.replace(/\/+$/, '')}/v1/traces` };
  return {};
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads the configuration once: defaults, then the JSON config file, then
 * COMMONWEAL_* environment variables, then command-line flags. The result is
 * validated against the schema and frozen; an invalid value stops the start
 * with a message naming the key.
 */
export function loadServerConfig(overrides: ServerConfigOverrides = {}, env: Env = process.env): ServerConfig {
  const configFile = overrides.configFile ?? env.COMMONWEAL_CONFIG;
  const file = configFile ? readConfigFile(configFile) : {};
  const { configFile: _ignored, metricsPort, drainTimeoutMs, ...flags } = overrides;
  type Section =
    | 'database'
    | 'http'
    | 'gateway'
    | 'ledger'
    | 'limits'
    | 'policy'
    | 'audit'
    | 'embedded'
    | 'replicas'
    | 'metrics'
    | 'metering'
    | 'tracing';
  const section = (name: Section) => ({
    ...serverConfigDefaults[name],
    ...((file[name] ?? {}) as Record<string, unknown>),
  });
  const merged: Record<string, unknown> = {
    ...serverConfigDefaults,
    ...file,
    ...fromEnv(env),
    ...definedOnly(flags),
    // The URL may carry a password, so it is read from the environment rather than a flag.
    database: { ...section('database'), ...(env.COMMONWEAL_DATABASE_URL ? { url: env.COMMONWEAL_DATABASE_URL } : {}) },
    http: { ...section('http'), ...httpFromEnv(env), ...definedOnly({ drainTimeoutMs }) },
    gateway: section('gateway'),
    ledger: section('ledger'),
    limits: section('limits'),
    policy: section('policy'),
    audit: section('audit'),
    embedded: section('embedded'),
    replicas: section('replicas'),
    // The token is a secret, so like the database URL it comes from the environment or the file, never a flag.
    metrics: {
      ...section('metrics'),
      ...(env.COMMONWEAL_METRICS_PORT ? { port: Number(env.COMMONWEAL_METRICS_PORT) } : {}),
      ...(env.COMMONWEAL_METRICS_TOKEN ? { bearerToken: env.COMMONWEAL_METRICS_TOKEN } : {}),
      ...(metricsPort === undefined ? {} : { port: metricsPort }),
    },
    metering: section('metering'),
    tracing: { ...section('tracing'), ...otlpEndpointFromEnv(env) },
  };
  const firstError = Value.Errors(ServerConfigSchema, merged).First();
  if (firstError) {
    const key = firstError.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const where = configFile ? ` (config file ${configFile}, environment or flags)` : '';
    const pattern = firstError.type === ValueErrorType.StringPattern;
    const expected = pattern ? patternExpectation(firstError.schema) : undefined;
    const message = expected === undefined ? firstError.message : `must be ${expected}`;
    throw new ConfigError(`invalid configuration "${key}": ${message}${where}`);
  }
  const config = merged as ServerConfig;
  // Node refuses to start a server whose headers may take longer than the whole request.
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    const message = 'must not exceed http.requestTimeoutMs, which bounds the whole request, headers included';
    throw new ConfigError(`invalid configuration "http.headersTimeoutMs": ${message}`);
  }
  if (config.metrics.port !== undefined && config.metrics.port !== 0 && config.metrics.port === config.port) {
    const message = 'must differ from "port"; leave it unset to serve /metrics on the main port';
    throw new ConfigError(`invalid configuration "metrics.port": ${message}`);
  }
  // A lease renewed less often than it lasts would lapse between heartbeats and refuse every request.
  if (config.replicas.heartbeatIntervalMs * 2 > config.replicas.leaseMs) {
    const message = 'must be at least twice replicas.heartbeatIntervalMs, so that a lease outlasts a late heartbeat';
    throw new ConfigError(`invalid configuration "replicas.leaseMs": ${message}`);
  }
  // Holds are renewed at every sweep: one that lived no longer than two sweeps could expire in flight.
  if (config.ledger.sharedHoldTtlMs < 2 * config.ledger.sweepIntervalMs) {
    const message = 'must be at least twice ledger.sweepIntervalMs, since holds are renewed at every sweep';
    throw new ConfigError(`invalid configuration "ledger.sharedHoldTtlMs": ${message}`);
  }
  const secretsDir = config.secretsDir === undefined ? {} : { secretsDir: resolve(config.secretsDir) };
  return deepFreeze({ ...config, dataDir: resolve(config.dataDir), ...secretsDir });
}
