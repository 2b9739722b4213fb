import assert from 'node:assert/strict';
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ServerDrain } from './server-drain.js';

const longMs = 600_000;
/** A client that keeps its idle connections for good: Node's global agent drops them after 5 s. */
const keepingAgent = new Agent({ keepAlive: true });

/** A server whose every request is tracked; `handle` answers it. */
async function trackedServer(
  drain: ServerDrain,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
): Promise<{ server: Server; port: number }> {
  const server = createServer({ keepAliveTimeout: longMs }, (req, res) => {
    const handled = handle(req, res);
    drain.track(res, handled instanceof Promise ? handled : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Sends a GET on a keep-alive connection and resolves with the answer's head once it arrives. */
function get(
  port: number,
  path: string,
): Promise<{ statusCode: number; connection: string | undefined; body: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, agent: keepingAgent }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const body = new Promise<string>((done, fail) => {
        res.on('end', () => done(text));
        res.on('close', () => {
          if (!res.complete) fail(new Error('the answer was aborted'));
        });
      });
      resolve({ statusCode: res.statusCode ?? 0, connection: res.headers.connection, body });
    });
    req.on('error', reject);
    req.end();
  });
}

test('a drain waits for a handler that records its request after the answer closed', async () => {
  const drain = new ServerDrain();
  const recorded = deferred();
  const { server, port } = await trackedServer(drain, async (_req, res) => {
    res.end('answered');
    await recorded.promise;
  });
  const answer = await get(port, '/');
  assert.equal(await answer.body, 'answered');
  let drained = false;
  const drainDone = drain.drain(server, longMs).then((report) => {
    drained = true;
    return report;
  });
  for (let turn = 0; turn < 10; turn++) await nextTurn();
  assert.equal(drained, false, 'the drain waits while the request is not recorded');
  recorded.resolve();
  assert.deepEqual(await drainDone, { inFlightAtStart: 1, cut: 0 });
});

test('an answer begun before the drain finishes, and its keep-alive connection then closes', async () => {
  const drain = new ServerDrain();
  const finish = deferred();
  const { server, port } = await trackedServer(drain, async (req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(drain.draining ? 503 : 200).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    await finish.promise;
    res.end('last');
  });
  const answer = await get(port, '/stream');
  const drainDone = drain.drain(server, longMs);
  assert.equal(drain.draining, true);
  const refused = await get(port, '/readyz').then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  );
  assert.equal(refused, 'ECONNREFUSED', 'a new connection is refused at once');
  finish.resolve();
  assert.equal(await answer.body, 'first last');
  // Without the drain closing it, the idle keep-alive connection would hold the server open for 10 minutes.
  assert.deepEqual(await drainDone, { inFlightAtStart: 1, cut: 0 });
});

test('what is still in flight at the deadline is cut, and the drain reports it', async () => {
  const drain = new ServerDrain();
  const { server, port } = await trackedServer(drain, (_req, res) => {
    res.writeHead(200);
    res.write('never ends');
  });
  const answer = await get(port, '/');
  const ending = answer.body.then(
    () => 'ended',
    (error: Error) => error.message,
  );
  const report = await drain.drain(server, 50);
  assert.deepEqual(report, { inFlightAtStart: 1, cut: 1 });
  assert.equal(await ending, 'the answer was aborted');
});
