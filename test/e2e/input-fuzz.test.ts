import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { callAdmin } from '../helpers/admin-client.js';
import { adminRouteTable, type RouteTargets } from '../helpers/admin-route-table.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { type RawAnswer, rawHttp } from '../helpers/raw-http.js';
import { requireService } from '../helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';
import { type TempPlatformConfig, testAdminToken } from '../helpers/temp-platform.js';

/**
 * Throws arbitrary requests at every route of the OpenAPI document and of /v1, and checks
 * what must hold whatever the input: never a 5xx, every error in the OpenAI shape with a
 * code, status and type that docs/errors.md documents, and a server that still serves
 * after. The seed is fixed so that a run is repeatable; the nasty cases found by hand are
 * explicit examples, run first on every run.
 */

interface Route {
  readonly method: string;
  /** The path with parameters written as `{name}`. */
  readonly template: string;
}

interface FuzzRequest {
  readonly route: Route;
  readonly method: string;
  readonly params: readonly string[];
  readonly encodeParams: boolean;
  readonly query: string;
  readonly authorization: string | null;
  readonly contentType: string | null;
  readonly extraHeaders: readonly (readonly [string, string])[];
  readonly body: string | null;
  readonly chunked: boolean;
}

/** Requests whose framing or timing is the point, sent as they are. */
type RawExample = string | readonly string[];

const headersTimeoutMs = 400;
const requestTimeoutMs = 800;
const documented = documentedCodes();
/** The fuzzed requests' records, apart from the fixture's, so that the check after the run can rely on those. */
const fuzzTargets: RouteTargets = {
  orgId: 'fuzz-org',
  projectId: 'fuzz-project',
  keyId: 'key_fuzzfuzzfuzzf',
  modelId: 'fuzz-model',
  siteId: 'fuzz-site',
  deploymentId: 'fuzz-dep',
};

let fixture: GatewayFixture;
let adminRoutes: readonly Route[];

/** A gateway fixture with the fuzzed requests' own records; reads the routes from its OpenAPI document. */
async function startFuzzFixture(config: TempPlatformConfig = {}): Promise<GatewayFixture> {
  const started = await startGatewayFixture({ config: { ...config, http: { headersTimeoutMs, requestTimeoutMs } } });
  const seed: [string, unknown][] = [
    ['/orgs', { id: fuzzTargets.orgId, name: 'Fuzz', homeJurisdiction: 'DE' }],
    [`/orgs/${fuzzTargets.orgId}/projects`, { id: fuzzTargets.projectId, name: 'Fuzz project' }],
    ['/models', { id: fuzzTargets.modelId, inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 }],
    ['/sites', { id: fuzzTargets.siteId, name: 'Fuzz site', jurisdiction: 'FR' }],
  ];
  for (const [path, body] of seed) {
    const answer = await callAdmin(started.platform.url, 'POST', `/admin/v1${path}`, { body });
    assert.equal(answer.status, 201, `seeding ${path}: ${JSON.stringify(answer.body)}`);
  }
  const document = await callAdmin(started.platform.url, 'GET', '/admin/v1/openapi.json', { token: null });
  assert.equal(document.status, 200);
  adminRoutes = Object.entries(document.body.paths as Record<string, Record<string, unknown>>).flatMap(
    ([template, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), template })),
  );
  assert.ok(adminRoutes.length > 50, `the OpenAPI document lists ${adminRoutes.length} routes`);
  return started;
}

before(async () => {
  fixture = await startFuzzFixture();
});
after(async () => fixture.dispose());

/** The routes outside the OpenAPI document: the inference API, the log, health and the document itself. */
const unlistedRoutes: readonly Route[] = [
  { method: 'POST', template: '/v1/chat/completions' },
  { method: 'POST', template: '/v1/embeddings' },
  { method: 'GET', template: '/v1/models' },
  { method: 'GET', template: '/v1/models/{model}' },
  { method: 'GET', template: '/v1/billing/statement' },
  { method: 'GET', template: '/v1/receipts/{id}' },
  { method: 'GET', template: '/v1/log/checkpoint' },
  { method: 'GET', template: '/v1/log/proof/inclusion' },
  { method: 'GET', template: '/v1/log/proof/consistency' },
  { method: 'GET', template: '/.well-known/commonweal/log-key' },
  { method: 'GET', template: '/healthz' },
  { method: 'GET', template: '/readyz' },
  { method: 'GET', template: '/admin/v1/openapi.json' },
];

/** docs/errors.md's table: code → the status and type it documents. */
function documentedCodes(): ReadonlyMap<string, { status: number; type: string }> {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const codes = new Map<string, { status: number; type: string }>();
  for (const match of doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| ([a-z_]+) \|/gm)) {
    codes.set(match[1]!, { status: Number(match[2]), type: match[3]! });
  }
  assert.ok(codes.size > 20, 'docs/errors.md has its table');
  return codes;
}

function assertAnswerHolds(answer: RawAnswer, method: string, label: string): void {
  const shown = `${label} → ${answer.status} ${answer.body.slice(0, 300)}`;
  assert.ok(answer.status >= 100 && answer.status < 500, `a 5xx for bad input: ${shown}`);
  // A HEAD answer has no body to check.
  if (answer.status < 400 || method === 'HEAD') return;
  let body: any;
  try {
    body = JSON.parse(answer.body);
  } catch {
    assert.fail(`an error that is not JSON: ${shown}`);
  }
  assert.deepEqual(Object.keys(body ?? {}), ['error'], shown);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'], shown);
  const entry = documented.get(body.error.code);
  assert.ok(entry, `a code docs/errors.md does not document: ${shown}`);
  assert.equal(answer.status, entry.status, `the status differs from the documented one: ${shown}`);
  assert.equal(body.error.type, entry.type, shown);
  assert.ok(typeof body.error.message === 'string' && body.error.message.length > 0, shown);
  assert.ok(body.error.param === null || typeof body.error.param === 'string', shown);
}

function toRaw(request: FuzzRequest): string {
  let index = 0;
  const path = request.route.template.replace(/\{\w+\}/g, () => {
    const value = request.params[index++] ?? '';
    return request.encodeParams ? encodeURIComponent(value) : value;
  });
  const lines = [`${request.method} ${path}${request.query} HTTP/1.1`, 'Host: fuzz.invalid', 'Connection: close'];
  if (request.authorization !== null) lines.push(`Authorization: ${request.authorization}`);
  if (request.contentType !== null) lines.push(`Content-Type: ${request.contentType}`);
  for (const [name, value] of request.extraHeaders) lines.push(`${name}: ${value}`);
  if (request.body === null) return `${lines.join('\r\n')}\r\n\r\n`;
  const size = Buffer.byteLength(request.body);
  if (!request.chunked) return `${lines.join('\r\n')}\r\nContent-Length: ${size}\r\n\r\n${request.body}`;
  const chunk = `${size.toString(16)}\r\n${request.body}\r\n`;
  return `${lines.join('\r\n')}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}0\r\n\r\n`;
}

const knownIds = [...Object.values(fuzzTargets), 'EU', 'some-program'];
/** Path parameters that are trouble as they are; each is sent both raw and encoded. */
const nastyParams = [
  '%FF',
  '%',
  '%E0%A4%A',
  '%C0%80',
  '%00',
  '..',
  '../..',
  '%2F..%2F',
  'a'.repeat(300),
  '\u0000',
  '🙂',
  ' ',
  '',
];

/** JSON that makes code think: extreme numbers, wrong types, deep values, and the fields each API reads. */
const nastyJsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1, 0, 0.5, '', '\u0000', null, [], {}, true),
  fc.constant(JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) as unknown),
);

function bodyFor(route: Route): fc.Arbitrary<string | null> {
  const sample = adminRouteTable.find((r) => r.method === route.method && `/admin/v1${r.template}` === route.template);
  const base =
    sample?.body?.(fuzzTargets) ??
    (route.template === '/v1/embeddings'
      ? { model: 'fake-model', input: 'hi' }
      : { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] });
  const keys = [...Object.keys(base as object), 'model', 'max_tokens', 'stream', 'stream_options', 'n', 'amountMicro'];
  const mutated = fc
    .dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), nastyJsonValue, { maxKeys: 3 })
    .map((changes) => JSON.stringify({ ...(base as object), ...changes }));
  const baseText = JSON.stringify(base);
  const deep = fc.constantFrom(60, 70, 6_000, 100_000).map((depth) => {
    const value = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    return baseText === '{}' ? `{"x":${value}}` : `${baseText.slice(0, -1)},"x":${value}}`;
  });
  return fc.oneof(
    { arbitrary: mutated, weight: 6 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)), weight: 2 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
    { arbitrary: fc.constantFrom(null, '', '{', '{"a":1}{', '\u0000', '[]', 'null'), weight: 1 },
  );
}

/** Half the draws go to the few routes outside the document, which would otherwise be drawn rarely. */
const anyRoute = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }).map((pick) => adminRoutes[pick % adminRoutes.length]!),
  fc.constantFrom(...unlistedRoutes),
);

/** The credential a route takes, most of the time, so that most requests get past authentication. */
function rightCredential(route: Route): string {
  return route.template.startsWith('/admin/') ? `Bearer ${testAdminToken}` : 'API_KEY';
}

const fuzzRequest = anyRoute.chain((route) => {
  const paramCount = route.template.match(/\{\w+\}/g)?.length ?? 0;
  return fc.record({
    route: fc.constant(route),
    method: fc.oneof(
      { arbitrary: fc.constant(route.method), weight: 8 },
      { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND'), weight: 2 },
    ),
    params: fc.array(
      fc.oneof(fc.constantFrom(...knownIds), fc.constantFrom(...nastyParams), fc.string({ unit: 'binary' })),
      { minLength: paramCount, maxLength: paramCount },
    ),
    encodeParams: fc.boolean(),
    query: fc.oneof(
      fc.constant(''),
      fc
        .dictionary(
          fc.constantFrom('limit', 'cursor', 'index', 'size', 'from', 'to', 'organizationId', 'since', 'until', 'x'),
          fc.oneof(
            fc.string({ maxLength: 12 }),
            fc.integer().map(String),
            fc.constantFrom('-1', '1e309', '9007199254740993'),
          ),
          { maxKeys: 3 },
        )
        .map((entries) => `?${new URLSearchParams(entries).toString()}`),
      fc.constantFrom('?%FF', '?a=%', '?&&==', `?limit=${'9'.repeat(400)}`),
    ),
    authorization: fc.oneof(
      { arbitrary: fc.constant(rightCredential(route)), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          `Bearer ${testAdminToken}`,
          'API_KEY',
          null,
          'Bearer ',
          'Bearer cw_not_a_key',
          'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
        ),
        weight: 4,
      },
    ),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', null, 'text/plain', 'a/b; c'),
    extraHeaders: fc.array(
      fc.oneof(
        fc.constantFrom(
          ['Accept', 'text/event-stream'],
          ['Content-Encoding', 'gzip'],
          ['Idempotency-Key', '%FF'],
          ['X-Forwarded-For', 'not-an-ip'],
          ['Expect', '100-continue'],
          ['Expect', 'something-else'],
          // Framing that contradicts the request's own: two lengths, or a length and a transfer coding.
          ['Content-Length', '0'],
          ['Transfer-Encoding', 'identity'],
          ['X-Long', 'x'.repeat(20_000)],
        ),
        fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/), fc.stringMatching(/^[ -~]{0,40}$/)),
      ),
      { maxLength: 2 },
    ),
    body:
      route.method === 'GET' || route.method === 'DELETE'
        ? fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: bodyFor(route), weight: 1 })
        : bodyFor(route),
    chunked: fc.nat(4).map((n) => n === 0),
  });
});

function withKey(request: FuzzRequest, apiKey: string): FuzzRequest {
  return request.authorization === 'API_KEY' ? { ...request, authorization: `Bearer ${apiKey}` } : request;
}

/** The cases found by hand, sent whatever the fuzzer draws. */
function rawExamples(apiKey: string): RawExample[] {
  const deep = `{"model":"fake-model","messages":${'['.repeat(6_000)}${']'.repeat(6_000)}}`;
  const key = `Authorization: Bearer ${apiKey}`;
  const admin = `Authorization: Bearer ${testAdminToken}`;
  const post = (path: string, auth: string, body: string) =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  return [
    post('/v1/chat/completions', key, deep),
    post('/v1/embeddings', key, deep.replace('messages', 'input')),
    post('/admin/v1/policy/simulate', admin, `{"kind":"organization_policy","policy":${deep.slice(1, -1)}}`),
    `GET /v1/models/%FF HTTP/1.1\r\nHost: x\r\n${key}\r\nConnection: close\r\n\r\n`,
    `GET /admin/v1/orgs/%FF HTTP/1.1\r\nHost: x\r\n${admin}\r\nConnection: close\r\n\r\n`,
    'POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    `GET /admin/v1/orgs?${'a'.repeat(60_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(60_000)}\r\n\r\n`,
    'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GARBAGE\r\n\r\n',
    'GET http://other.invalid/v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /v1/models HTTP/1.0\r\n\r\n',
    'GET /admin/v1/orgs HTTP/1.1\r\nConnection: close\r\n\r\n',
    'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    // A declared body that never comes, whole or in part: ends at the request timeout.
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${key}\r\nContent-Length: 100\r\n\r\n{"model":`,
    `POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\n${admin}\r\nContent-Type: application/json\r\n` +
      'Content-Length: 9\r\n\r\n{',
    ['GET /v1/models HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 'X-Slow: 2\r\n', 'X-Slow: 3\r\n', 'X-Slow: 4\r\n'],
  ];
}

function labelOf(request: RawExample): string {
  const text = typeof request === 'string' ? request : request.join('');
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

async function sendExamples(target: GatewayFixture): Promise<void> {
  for (const example of rawExamples(target.apiKey)) {
    const paced = typeof example === 'string' ? {} : { paceMs: headersTimeoutMs / 2 };
    const answer = await rawHttp(target.platform.url, example, { timeoutMs: requestTimeoutMs * 5, ...paced });
    assertAnswerHolds(answer, 'GET', labelOf(example));
  }
}

async function fuzz(target: GatewayFixture, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fuzzRequest, async (drawn) => {
      const request = withKey(drawn, target.apiKey);
      const raw = toRaw(request);
      const answer = await rawHttp(target.platform.url, raw, { timeoutMs: requestTimeoutMs * 5 });
      assertAnswerHolds(answer, request.method, labelOf(raw));
    }),
    { seed: 16_016, numRuns, endOnFailure: true },
  );
}

async function assertStillServes(target: GatewayFixture): Promise<void> {
  for (const path of ['/healthz', '/readyz']) {
    const answer = await callAdmin(target.platform.url, 'GET', path, { token: null });
    assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  }
  assert.equal((await callAdmin(target.platform.url, 'GET', '/admin/v1/orgs')).status, 200);
  const chat = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };
  const answer = await target.client.chat.completions.create(chat);
  assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
}

test('the hand-found nasty requests get no 5xx and an OpenAI-shaped error', async () => {
  await sendExamples(fixture);
});

test('arbitrary requests to every route get no 5xx, and every error is documented and OpenAI-shaped', async () => {
  await fuzz(fixture, 600);
});

test('the server still serves after the fuzzing', async () => {
  await assertStillServes(fixture);
});

// PostgreSQL refuses some text SQLite takes (a NUL character was a 500 there only), so the
// same requests go to a platform on it too, fewer of them to keep the run short.
test('on PostgreSQL: the nasty and arbitrary requests get no 5xx, and the server still serves', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const target = await startFuzzFixture({ database: { url: database.url } });
  try {
    await sendExamples(target);
    await fuzz(target, 300);
    await assertStillServes(target);
  } finally {
    await target.dispose();
    await database.drop();
  }
});
