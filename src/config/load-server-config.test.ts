import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadServerConfig } from './load-server-config.js';
import { patternExpectation } from './pattern-string.js';
import { ServerConfigSchema } from './server-config.js';

test('defaults apply when nothing is set, and the result is frozen', () => {
  const config = loadServerConfig({}, {});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, resolve('./.commonweal'));
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.http));
});

test('flags win over the environment, which wins over the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({ host: '0.0.0.0', port: 7000, logLevel: 'debug', http: { bodySizeBytesMax: 2048 } }),
  );
  const config = loadServerConfig(
    { configFile: file, port: 9000 },
    { COMMONWEAL_PORT: '8000', COMMONWEAL_LOG_LEVEL: 'warn' },
  );
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.port, 9000);
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.http.bodySizeBytesMax, 2048);
  assert.equal(config.http.headersTimeoutMs, 10_000, 'unset nested keys keep their defaults');
});

test('an invalid value stops the start with a message naming the key', () => {
  assert.throws(
    () => loadServerConfig({}, { COMMONWEAL_PORT: 'eighty' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /"port"/);
      return true;
    },
  );
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ prot: 1 }));
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /invalid configuration/);
  writeFileSync(file, '{ not json');
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /not valid JSON/);
});

test('headers may not be given longer than the whole request, which Node would refuse at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ http: { headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 } }));
  assert.throws(
    () => loadServerConfig({ configFile: file }, {}),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /"http\.headersTimeoutMs": must not exceed http\.requestTimeoutMs/);
      return true;
    },
  );
  writeFileSync(file, JSON.stringify({ http: { requestTimeoutMs: 0 } }));
  const unbounded = () => loadServerConfig({ configFile: file }, {});
  assert.throws(unbounded, /"http\.requestTimeoutMs"/, 'a request is always bounded');
});

test('COMMONWEAL_CONFIG names the file when --config does not, and the flag wins over it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const fromEnv = join(dir, 'env.json');
  const fromFlag = join(dir, 'flag.json');
  writeFileSync(fromEnv, JSON.stringify({ port: 7001 }));
  writeFileSync(fromFlag, JSON.stringify({ port: 7002 }));
  assert.equal(loadServerConfig({}, { COMMONWEAL_CONFIG: fromEnv }).port, 7001);
  assert.equal(loadServerConfig({ configFile: fromFlag }, { COMMONWEAL_CONFIG: fromEnv }).port, 7002);
});

test('COMMONWEAL_DATABASE_URL wins over the file, and only PostgreSQL URLs are accepted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ database: { url: 'postgres://file@127.0.0.1/a' } }));
  assert.equal(loadServerConfig({ configFile: file }, {}).database.url, 'postgres://file@127.0.0.1/a');
  const env = { COMMONWEAL_DATABASE_URL: 'postgresql://env@127.0.0.1/b' };
  assert.equal(loadServerConfig({ configFile: file }, env).database.url, 'postgresql://env@127.0.0.1/b');
  assert.equal(loadServerConfig({}, {}).database.url, undefined, 'no URL: the embedded SQLite store');
  assert.throws(() => loadServerConfig({}, { COMMONWEAL_DATABASE_URL: 'mysql://x@127.0.0.1/c' }), /"database\.url"/);
});

/** The paths of the schemas under `node` that have a pattern but no words for it. */
function patternsWithoutWords(node: unknown, where: string): string[] {
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = typeof record.pattern === 'string' && patternExpectation(record) === undefined ? [where] : [];
  return [...own, ...Object.entries(record).flatMap(([key, child]) => patternsWithoutWords(child, `${where}.${key}`))];
}

test('a value that does not match a pattern is refused in words, never with the regular expression', () => {
  assert.deepEqual(patternsWithoutWords(ServerConfigSchema, 'config'), []);
  assert.throws(
    () => loadServerConfig({}, { COMMONWEAL_DATABASE_URL: 'mysql://x@127.0.0.1/c' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'invalid configuration "database.url": must be a postgres:// or postgresql:// URL');
      return true;
    },
  );
});

test('the secrets directory comes from COMMONWEAL_SECRETS_DIR, resolved; absent, it stays unset', () => {
  assert.equal(loadServerConfig({}, {}).secretsDir, undefined);
  assert.equal(
    loadServerConfig({}, { COMMONWEAL_SECRETS_DIR: 'mounted/secrets' }).secretsDir,
    resolve('mounted/secrets'),
  );
});

test('a replica lease shorter than two heartbeats is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ replicas: { heartbeatIntervalMs: 1_000, leaseMs: 1_500 } }));
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /"replicas\.leaseMs": must be at least twice/);
});

test('a .yaml config file is read as YAML, with the same validation and errors naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'commonweal.yaml');
  writeFileSync(file, 'host: 0.0.0.0\nport: 7001\nbilling: off\nhttp:\n  bodySizeBytesMax: 4096\n');
  const config = loadServerConfig({ configFile: file }, {});
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.port, 7001);
  assert.equal(config.billing, 'off', 'YAML 1.2: off is the string, not false');
  assert.equal(config.http.bodySizeBytesMax, 4096);
  writeFileSync(file, 'port: eighty\n');
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /"port"/);
  writeFileSync(file, 'http: [unclosed\n');
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /is not valid YAML/);
  writeFileSync(file, '- a list\n');
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /not an object of settings/);
});

test('metrics: on by default on the main port; the port and token come from the environment, the port from a flag', () => {
  const defaults = loadServerConfig({}, {});
  assert.deepEqual(defaults.metrics, { enabled: true, tenantLabels: 'none', tenantLabelsMax: 100 });
  const fromEnv = loadServerConfig(
    {},
    { COMMONWEAL_METRICS_PORT: '9464', COMMONWEAL_METRICS_TOKEN: 'scrape-token-0123456789' },
  );
  assert.equal(fromEnv.metrics.port, 9464);
  assert.equal(fromEnv.metrics.bearerToken, 'scrape-token-0123456789');
  assert.equal(loadServerConfig({ metricsPort: 9100 }, { COMMONWEAL_METRICS_PORT: '9464' }).metrics.port, 9100);
  assert.throws(() => loadServerConfig({ metricsPort: 8080 }, {}), /"metrics.port": must differ from "port"/);
  assert.throws(() => loadServerConfig({}, { COMMONWEAL_METRICS_TOKEN: 'short' }), /"metrics.bearerToken"/);
});

test('the drain timeout comes from the file, then COMMONWEAL_DRAIN_TIMEOUT_MS, then the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ http: { drainTimeoutMs: 1_000 } }));
  assert.equal(loadServerConfig({}, {}).http.drainTimeoutMs, 30_000);
  assert.equal(loadServerConfig({ configFile: file }, {}).http.drainTimeoutMs, 1_000);
  const env = { COMMONWEAL_DRAIN_TIMEOUT_MS: '2000' };
  assert.equal(loadServerConfig({ configFile: file }, env).http.drainTimeoutMs, 2_000);
  assert.equal(loadServerConfig({ configFile: file, drainTimeoutMs: 3_000 }, env).http.drainTimeoutMs, 3_000);
  assert.throws(() => loadServerConfig({}, { COMMONWEAL_DRAIN_TIMEOUT_MS: 'soon' }), /"http\.drainTimeoutMs"/);
});

test('tracing is off by default; its endpoint comes from the file, ours or the standard OpenTelemetry variables', () => {
  assert.equal(loadServerConfig({}, {}).tracing.otlpEndpoint, undefined, 'no endpoint: no tracer is started');
  assert.equal(loadServerConfig({}, {}).tracing.sampleRatio, 1);
  const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ tracing: { otlpEndpoint: 'http://file:4318/v1/traces', sampleRatio: 0.25 } }));
  const endpoint = (env: Record<string, string>) => loadServerConfig({ configFile: file }, env).tracing.otlpEndpoint;
  assert.equal(endpoint({}), 'http://file:4318/v1/traces');
  assert.equal(loadServerConfig({ configFile: file }, {}).tracing.sampleRatio, 0.25);
  // The general endpoint is a base: the traces path is appended, as the OpenTelemetry specification says.
  assert.equal(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' }), 'http://otel:4318/v1/traces');
  const traces = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' };
  assert.equal(endpoint(traces), 'http://t/x', 'the traces endpoint is used as it is, and wins over the base');
  assert.equal(endpoint({ ...traces, COMMONWEAL_OTLP_ENDPOINT: 'https://ours/v1/traces' }), 'https://ours/v1/traces');
  assert.throws(() => loadServerConfig({}, { COMMONWEAL_OTLP_ENDPOINT: 'otel:4318' }), /"tracing\.otlpEndpoint"/);
  writeFileSync(file, JSON.stringify({ tracing: { sampleRatio: 1.5 } }));
  assert.throws(() => loadServerConfig({ configFile: file }, {}), /"tracing\.sampleRatio"/);
});
