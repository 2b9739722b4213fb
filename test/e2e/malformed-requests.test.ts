import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonDepthMax } from '../../src/gateway/index.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { type RawAnswer, rawHttp } from '../helpers/raw-http.js';
import { testAdminToken } from '../helpers/temp-platform.js';

let fixture: GatewayFixture;
before(async () => {
  fixture = await startGatewayFixture();
});
after(async () => fixture.dispose());

function assertError(answer: RawAnswer, status: number, code: string, label: string): void {
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    assert.fail(`${label}: the answer is not JSON: ${answer.status} ${answer.body}`);
  }
  assertAdminError({ status: answer.status, headers: answer.headers, body }, status, code);
}

function get(path: string, token: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
}

function post(path: string, token: string, body: string): string {
  const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n`;
  return `${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A JSON value nested `depth` levels deep, alternating arrays and objects. */
function nestedJson(depth: number): string {
  return `${'[{"a":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`;
}

test('HTTP that cannot be parsed is answered in the OpenAI shape, not with Node or Fastify bodies', async () => {
  const cases: [string, string, number, string][] = [
    [
      'Content-Length with Transfer-Encoding',
      'POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'invalid_request',
    ],
    [
      'two Content-Lengths',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      400,
      'invalid_request',
    ],
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 400, 'invalid_request'],
    ['a space in the method', 'G T / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'invalid_request'],
    ['a 60 KB URL', `GET /admin/v1/orgs?${'a'.repeat(60_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'headers_too_large'],
    [
      'a 60 KB header',
      `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(60_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ];
  for (const [label, request, status, code] of cases) {
    const answer = await rawHttp(fixture.platform.url, request);
    assertError(answer, status, code, label);
    assert.equal(answer.headers.connection, 'close', label);
  }
});

test('what Node would answer itself is answered in the OpenAI shape: no Host, CONNECT', async () => {
  const cases: [string, string, number, string][] = [
    ['no Host header', 'GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'invalid_request'],
    ['no Host header (admin)', 'GET /admin/v1/orgs HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'invalid_request'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'method_not_allowed'],
  ];
  for (const [label, request, status, code] of cases) {
    const answer = await rawHttp(fixture.platform.url, request);
    assertError(answer, status, code, label);
    assert.equal(answer.headers.connection, 'close', label);
  }
});

test('an Expect other than 100-continue is ignored: the request is served', async () => {
  for (const path of ['/v1/models', '/admin/v1/orgs']) {
    const token = path.startsWith('/admin/') ? testAdminToken : fixture.apiKey;
    const request = get(path, token).replace('Host: x\r\n', 'Host: x\r\nExpect: something-else\r\n');
    const answer = await rawHttp(fixture.platform.url, request);
    assert.equal(answer.status, 200, `${path}: ${answer.status} ${answer.body}`);
  }
});

test('a path with a malformed percent-escape is a 400 on every route, never a 500', async () => {
  const apiKeyPaths = ['/v1/models/%FF', '/v1/models/%E0%A4%A', '/v1/models/a%', '/v1/receipts/%C0%80', '/v1/log/%FF'];
  const adminPaths = ['/admin/v1/orgs/%FF', '/admin/v1/models/%E0%A4%A', '/healthz%FF'];
  const cases: [string, string][] = [
    ...apiKeyPaths.map((path): [string, string] => [path, fixture.apiKey]),
    ...adminPaths.map((path): [string, string] => [path, testAdminToken]),
  ];
  for (const [path, token] of cases) {
    assertError(await rawHttp(fixture.platform.url, get(path, token)), 400, 'invalid_request', path);
  }
});

test('a path parameter longer than the router reads is a 400 in the OpenAI shape', async () => {
  const path = `/admin/v1/orgs/${'a'.repeat(500)}`;
  assertError(await rawHttp(fixture.platform.url, get(path, testAdminToken)), 400, 'invalid_request', path);
});

test('a body nested deeper than the bound is a 400 that names it, on /v1 and on the management API', async () => {
  const deep = nestedJson(6_000);
  const cases: [string, string, string][] = [
    ['/v1/chat/completions', fixture.apiKey, `{"model":"fake-model","messages":${deep}}`],
    ['/v1/embeddings', fixture.apiKey, `{"model":"fake-model","input":${deep}}`],
    ['/admin/v1/orgs', testAdminToken, `{"id":"deep","name":"Deep","homeJurisdiction":"DE","x":${deep}}`],
    ['/admin/v1/policy/simulate', testAdminToken, `{"kind":"organization_policy","policy":${deep}}`],
  ];
  for (const [path, token, body] of cases) {
    const answer = await rawHttp(fixture.platform.url, post(path, token, body));
    assertError(answer, 400, 'invalid_request', path);
    assert.match(JSON.parse(answer.body).error.message, new RegExp(`nested deeper than ${jsonDepthMax} levels`), path);
  }
});

test('a body nested as deep as the bound is served', async () => {
  const messages = '[{"role":"user","content":"hi"}]';
  const body = `{"model":"fake-model","messages":${messages},"metadata_extra":${nestedJson(jsonDepthMax - 2)}}`;
  const answer = await rawHttp(fixture.platform.url, post('/v1/chat/completions', fixture.apiKey, body));
  assert.equal(answer.status, 200, answer.body);
});

test('the server still serves after every malformed request', async () => {
  const chat = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };
  const answer = await fixture.client.chat.completions.create(chat);
  assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
});
