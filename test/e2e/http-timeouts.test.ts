import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { type RawAnswer, rawHttp } from '../helpers/raw-http.js';
import { callAdmin } from '../helpers/admin-client.js';
import { killServe, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken, writeTestConfigFile } from '../helpers/temp-platform.js';

const headersTimeoutMs = 300;
const requestTimeoutMs = 500;
/** A guard against hangs: Node's own checking interval (30 s) would show as a failure, not a slow pass. */
const guardMs = 5_000;

let fixture: GatewayFixture;
before(async () => {
  fixture = await startGatewayFixture({ config: { http: { headersTimeoutMs, requestTimeoutMs } } });
});
after(async () => fixture.dispose());

function assertTimedOut(answer: RawAnswer, limitMs: number): void {
  const body: unknown = JSON.parse(answer.body);
  assertAdminError({ status: answer.status, headers: answer.headers, body }, 408, 'request_timeout');
  assert.equal(answer.headers.connection, 'close');
  assert.ok(answer.elapsedMs >= limitMs * 0.9, `cut after ${answer.elapsedMs} ms, before the ${limitMs} ms limit`);
  // Node checks for late requests on an interval (30 s by default); the server's keeps a timeout close to its value.
  assert.ok(answer.elapsedMs < limitMs * 4, `cut only after ${answer.elapsedMs} ms, for a ${limitMs} ms limit`);
}

test('headers that trickle in are cut at http.headersTimeoutMs with a 408 in the OpenAI shape', async () => {
  const slowHeaders = Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: y\r\n`);
  for (const path of ['/v1/chat/completions', '/admin/v1/orgs']) {
    const request = [`POST ${path} HTTP/1.1\r\nHost: x\r\n`, ...slowHeaders];
    assertTimedOut(await rawHttp(fixture.platform.url, request, { paceMs: 50, timeoutMs: guardMs }), headersTimeoutMs);
  }
});

test('a body that trickles in is cut at http.requestTimeoutMs with a 408 in the OpenAI shape', async () => {
  const routes: [string, string][] = [
    ['/v1/chat/completions', fixture.apiKey],
    // An admin token, so that the management API waits for the body instead of refusing the caller first.
    ['/admin/v1/orgs', testAdminToken],
  ];
  for (const [path, token] of routes) {
    const head =
      `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{';
    const request = [head, ...Array.from({ length: 200 }, () => ' ')];
    assertTimedOut(await rawHttp(fixture.platform.url, request, { paceMs: 50, timeoutMs: guardMs }), requestTimeoutMs);
  }
});

test('an answer that takes longer than both timeouts is not cut: only receiving the request is bounded', async () => {
  const chat = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };
  fixture.upstreams[0]!.fault = { kind: 'slow_stream', eventDelayMs: 150 };
  const startedAtMs = performance.now();
  let text = '';
  for await (const chunk of await fixture.client.chat.completions.create({ ...chat, stream: true })) {
    text += chunk.choices[0]?.delta.content ?? '';
  }
  assert.equal(text, 'Hello, world!');
  assert.ok(performance.now() - startedAtMs > requestTimeoutMs * 2, 'the stream outlasted the request timeout');
  fixture.upstreams[0]!.fault = { kind: 'delay', delayMs: requestTimeoutMs * 2 };
  const answer = await fixture.client.chat.completions.create(chat);
  assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
  fixture.upstreams[0]!.fault = null;
});

test('a body cut short, by the client or by the timeout, is not logged as an unexpected error', async () => {
  const dataDir = tempDataDir();
  const configFile = writeTestConfigFile(dataDir, { http: { headersTimeoutMs, requestTimeoutMs } });
  let server: ServeProcess | undefined;
  try {
    const args = ['--data-dir', dataDir, '--config', configFile];
    server = await spawnServe(args, { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
    const url = server.url;
    const created = async (path: string, body: unknown) => {
      const answer = await callAdmin(url, 'POST', `/admin/v1${path}`, { body });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body;
    };
    await created('/orgs', { id: 'cut', name: 'Cut', homeJurisdiction: 'DE' });
    await created('/orgs/cut/projects', { id: 'cut-main', name: 'Main' });
    const key = await created('/orgs/cut/keys', { role: 'project', projectId: 'cut-main' });
    for (const [path, token] of [
      ['/v1/chat/completions', key.secret as string],
      ['/admin/v1/orgs', testAdminToken],
    ]) {
      const head =
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{';
      // Cut by the server's request timeout, then by a client that leaves halfway.
      await rawHttp(url, [head, ...Array.from({ length: 30 }, () => ' ')], { paceMs: 50, timeoutMs: guardMs });
      await rawHttp(url, [head, ' '], { paceMs: 50, timeoutMs: 100 }).catch(() => {});
    }
    // The platform is still up, and nothing at error level was logged for the cut requests.
    assert.equal((await callAdmin(url, 'GET', '/healthz', { token: null })).status, 200);
    const errors = server
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":50'));
    assert.deepEqual(errors, []);
  } finally {
    await killServe(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
