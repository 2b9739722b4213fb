import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { readBody } from './read-body.js';

/** Runs readBody inside a real server for one request, written raw so that it can stop halfway. */
async function readOne(request: string, after: (socket: ReturnType<typeof connect>) => void): Promise<unknown> {
  let settle!: (outcome: unknown) => void;
  const outcome = new Promise<unknown>((resolve) => {
    settle = resolve;
  });
  // The server never answers: the request stays open for as long as its body is being read.
  const server = createServer((req) => {
    readBody(req, 1024).then(settle, settle);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const socket = connect(address.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(request);
  after(socket);
  const result = await outcome;
  server.close();
  server.closeAllConnections();
  return result;
}

test('a body cut short by the client is an invalid_request error, not an unexpected one', async () => {
  const outcome = await readOne('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":', (socket) => {
    setTimeout(() => socket.destroy(), 50);
  });
  assert.ok(outcome instanceof CommonwealError, String(outcome));
  assert.equal(outcome.code, 'invalid_request');
  assert.match(outcome.message, /closed before the request body was complete/);
});

test('a whole body is read', async () => {
  const outcome = await readOne('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{"a":1}', () => {});
  assert.ok(Buffer.isBuffer(outcome));
  assert.equal(outcome.toString(), '{"a":1}');
});
