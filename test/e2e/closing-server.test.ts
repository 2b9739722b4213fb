import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startGatewayFixture } from '../helpers/gateway-fixture.js';
import { testAdminToken } from '../helpers/temp-platform.js';

test('a request on a busy connection while the server drains is served, with connection: close', async () => {
  const fixture = await startGatewayFixture();
  // The first request streams slowly, so that its connection is busy when the server starts to close.
  fixture.upstreams[0]!.fault = { kind: 'slow_stream', eventDelayMs: 200 };
  const body = JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const socket = connect(Number(new URL(fixture.platform.url).port), '127.0.0.1');
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const firstBytes = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${fixture.apiKey}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  await firstBytes;
  const disposed = fixture.dispose();
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.write(`GET /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${testAdminToken}\r\n\r\n`);
  await closed;
  await disposed;
  const text = Buffer.concat(chunks).toString('utf8');
  const second = text.slice(text.lastIndexOf('HTTP/1.1 '));
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(second)?.[1]);
  const head = second.slice(0, second.indexOf('\r\n\r\n')).toLowerCase();
  const answer = second.slice(second.indexOf('\r\n\r\n') + 4);
  assert.match(text, /data: \[DONE\]/, 'the request in flight was served to its end');
  assert.equal(status, 200, `the request that came during the drain was served: ${second}`);
  assert.match(head, /\r\nconnection: close\r\n/, 'its answer tells the client to go elsewhere next time');
  assert.equal(JSON.parse(answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1)).data[0].id, 'acme');
});
