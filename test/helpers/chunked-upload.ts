import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface ChunkedUpload {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body's first bytes, such as the start of a JSON object. */
  readonly prefix: string;
  /** After the prefix, 64 KiB chunks of filler are sent until this many bytes have been; Infinity keeps sending. */
  readonly fillBytes: number;
  /** Sent after the filler, to end the body; never reached for an endless one. */
  readonly suffix: string;
  /**
   * An endless upload gives up after this many bytes, so that a server that keeps
   * reading fails the test with a figure instead of hanging it.
   */
  readonly sentBytesMax?: number;
}

export interface ChunkedUploadResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Bytes of the body the client had written when it stopped. */
  readonly sentBytes: number;
  /** Whether the server closed the connection; false when the client ended the upload itself. */
  readonly closedByServer: boolean;
}

const fillChunk = Buffer.alloc(64 * 1024, 'a');

/**
 * POSTs a body with `Transfer-Encoding: chunked`, so that the server learns its size
 * only by reading it, on a keep-alive connection, so that only the server can decide
 * to close it. Writing follows backpressure and stops when the server closes the
 * connection, when the body is complete, or at `sentBytesMax`. Resolves once the
 * answer has been read and the connection has closed; the client closes it itself
 * only after a complete body was answered, or at `sentBytesMax`.
 */
export function postChunked(upload: ChunkedUpload): Promise<ChunkedUploadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sentBytesMax = upload.sentBytesMax ?? Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let bodyEnded = false;
    let closedByClient = false;
    let socketClosed = false;
    let answer: Omit<ChunkedUploadResult, 'sentBytes' | 'closedByServer'> | undefined;
    const closeByClient = () => {
      closedByClient = true;
      agent.destroy();
      req.destroy();
    };
    const req = request(upload.url, {
      method: 'POST',
      agent,
      headers: { ...upload.headers, 'transfer-encoding': 'chunked', connection: 'keep-alive' },
    });
    // A write after the server closed fails with EPIPE or ECONNRESET; the answer read before is what counts.
    req.on('error', () => undefined);
    req.once('socket', (socket) =>
      socket.once('close', () => {
        socketClosed = true;
        if (answer === undefined)
          reject(new Error(`the connection closed without a complete answer after ${sentBytes} bytes`));
        else resolve({ ...answer, sentBytes, closedByServer: !closedByClient });
      }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
        // A server that keeps the connection for the next request is done with this one once the body was whole.
        if (bodyEnded) closeByClient();
      });
    });
    const requestClosed = new Promise<void>((closed) => req.once('close', () => closed()));
    const send = (chunk: Buffer | string): Promise<void> => {
      sentBytes += Buffer.byteLength(chunk);
      if (req.write(chunk)) return Promise.resolve();
      return Promise.race([new Promise<void>((drained) => req.once('drain', () => drained())), requestClosed]);
    };
    const write = async () => {
      await send(upload.prefix);
      for (let filled = 0; filled < upload.fillBytes; filled += fillChunk.length) {
        if (socketClosed || req.destroyed) return;
        if (sentBytes >= sentBytesMax) return closeByClient();
        await send(fillChunk);
      }
      bodyEnded = true;
      req.end(upload.suffix);
      if (answer !== undefined) closeByClient();
    };
    write().catch(reject);
  });
}
