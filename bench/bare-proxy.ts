import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, Pool } from 'undici';

/**
 * The least a Node proxy can do: node:http in, one undici Pool out, bodies passed through
 * as they come. No auth, no metering, no parsing; it is the physical limit the gateway is
 * measured against. Run: `node dist/bench/bare-proxy.js <upstream origin> [port]`.
 */
const upstream = process.argv[2] ?? 'http://127.0.0.1:8000';
// As many connections as the gateway is given in the benchmark, so that neither queues more.
const pool = new Pool(upstream, { connections: 1_100 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const request = {
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    };
    pool.stream(
      request,
      ({ statusCode, headers }) => {
        const length = headers['content-length'];
        res.writeHead(statusCode, {
          'content-type': String(headers['content-type'] ?? 'application/json'),
          ...(length === undefined ? {} : { 'content-length': String(length) }),
        });
        return res;
      },
      (error) => {
        if (error !== null && !res.headersSent) res.writeHead(502).end();
        else if (error !== null) res.destroy();
      },
    );
  });
});
server.keepAliveTimeout = 120_000;
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () =>
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`),
);
process.on('SIGTERM', () => {
  server.close(() => void pool.close().then(() => process.exit(0)));
  server.closeAllConnections();
});
