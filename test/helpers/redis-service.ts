import { Socket } from 'node:net';
import type { ServiceCheck } from './require-service.js';

/** The machine's Redis, as CI starts it. */
export const redisUrl = 'redis://127.0.0.1:6379';

export const redisService: ServiceCheck = {
  name: 'Redis',
  address: '127.0.0.1:6379',
  probe: () =>
    new Promise<void>((resolve, reject) => {
      const socket = new Socket();
      socket.setTimeout(3_000, () => socket.destroy(new Error('no answer to PING')));
      socket.once('error', reject);
      socket.connect(6379, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        if (data.toString().startsWith('+PONG')) resolve();
        else reject(new Error(`unexpected answer to PING: ${data.toString().trim()}`));
      });
    }),
};
