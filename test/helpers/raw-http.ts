import { connect } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds from the first byte written to the connection's close. */
  readonly elapsedMs: number;
}

/** Undoes chunked transfer coding; a malformed or cut framing keeps what was whole. */
function unchunk(text: string): string {
  let body = '';
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd === -1) return body;
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!Number.isInteger(size) || size === 0) return body;
    body += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

function parseAnswer(text: string, elapsedMs: number): RawAnswer {
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd === -1 ? text : text.slice(0, headEnd);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) throw new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = headEnd === -1 ? '' : text.slice(headEnd + 4);
  // An interim answer (100 Continue) comes before the one that answers the request.
  if (status.startsWith('1') && rest !== '') return parseAnswer(rest, elapsedMs);
  const body = headers['transfer-encoding'] === 'chunked' ? unchunk(rest) : rest;
  return { status: Number(status), headers, body, elapsedMs };
}

/**
 * Writes `request` byte for byte to the server at `baseUrl`, with nothing checked or fixed
 * by a client library, and reads until the server closes the connection. `paceMs` sends
 * the parts one by one with that many ms between them, for requests that trickle. The
 * answer is the first one on the connection.
 */
export function rawHttp(
  baseUrl: string,
  request: string | Buffer | readonly (string | Buffer)[],
  options: { readonly timeoutMs?: number; readonly paceMs?: number } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const parts = typeof request === 'string' || Buffer.isBuffer(request) ? [request] : request;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const startedAtMs = performance.now();
    const timeoutMs = options.timeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; got ${Buffer.concat(chunks).length} bytes`));
    }, timeoutMs);
    let pacer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server that refuses a request may reset the connection while the rest of it is written.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      clearInterval(pacer);
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(parseAnswer(text, performance.now() - startedAtMs));
      } catch (error) {
        reject(error);
      }
    });
    if (options.paceMs === undefined) {
      for (const part of parts) socket.write(part);
      return;
    }
    let next = 0;
    pacer = setInterval(() => {
      if (socket.destroyed || next === parts.length) {
        clearInterval(pacer);
        return;
      }
      socket.write(parts[next++]!);
    }, options.paceMs);
  });
}
