import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Portkey's gateway (`@portkey-ai/gateway`, installed under bench/portkey/ by
 * bench:gateway) started as its own `start:node` script starts it, on a free port, then
 * announced as `listening on <url>` the way the other benchmark servers are. Its server
 * takes the port from `--port=`, listens on every interface and prints a banner after a
 * one-second spinner, so the port is chosen here and announced once its module has loaded.
 * Run: `node dist/bench/portkey-server.js`.
 */
const startServer = fileURLToPath(
  new URL('../../bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url),
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

const port = await freePort();
// `--headless` leaves out the log console's web page and its event stream.
process.argv.push(`--port=${port}`, '--headless');
await import(startServer);
console.log(`listening on http://127.0.0.1:${port}`);
process.on('SIGTERM', () => process.exit(0));
