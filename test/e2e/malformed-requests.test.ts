import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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
    ['a 60 KB header', `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(60_000)}\r\n\r\n`, 431, 'headers_too_large'],
  ];
  for (const [label, request, status, code] of cases) {
    const answer = await rawHttp(fixture.platform.url, request);
    assertError(answer, status, code, label);
    assert.equal(answer.headers.connection, 'close', label);
  }
});

test('a path with a malformed percent-escape is a 400 on every route, never a 500', async () => {
  const apiKeyPaths = ['/v1/models/%FF', '/v1/models/%E0%A4%A', '/v1/models/a%', '/v1/receipts/%C0%80', '/v1/log/%FF'];
  const adminPaths = ['/admin/v1/orgs/%FF', '/admin/v1/models/%E0%A4%A', '/healthz%FF'];
  for (const path of apiKeyPaths) assertError(await rawHttp(fixture.platform.url, get(path, fixture.apiKey)), 400, 'invalid_request', path);
  for (const path of adminPaths) assertError(await rawHttp(fixture.platform.url, get(path, testAdminToken)), 400, 'invalid_request', path);
});

test('a path parameter longer than the router reads is a 400 in the OpenAI shape', async () => {
  const path = `/admin/v1/orgs/${'a'.repeat(500)}`;
  assertError(await rawHttp(fixture.platform.url, get(path, testAdminToken)), 400, 'invalid_request', path);
});

test('the server still serves after every malformed request', async () => {
  const answer = await fixture.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
});
