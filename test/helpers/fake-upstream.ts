import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A way for the fake upstream to misbehave; it applies to every request until changed. */
export type FakeFault =
  | { readonly kind: 'status'; readonly statusCode: number; readonly body?: string }
  | { readonly kind: 'hang_before_headers' }
  | { readonly kind: 'delay'; readonly delayMs: number }
  /** Sends this many stream chunks, then waits for `release()` or for the client to leave. */
  | { readonly kind: 'stall_mid_stream'; readonly chunksBefore: number }
  /**
   * Sends this many stream chunks, then destroys the socket once they are on the wire.
   * With `cutInEvent`, the next chunk goes out too, but without the blank line that ends it.
   */
  | { readonly kind: 'crash_mid_stream'; readonly chunksBefore: number; readonly cutInEvent?: boolean }
  /** Sends this many stream chunks, then an event whose data is cut-off JSON, then stalls like `stall_mid_stream`. */
  | { readonly kind: 'malformed_sse'; readonly chunksBefore: number }
  /** Sends this many stream chunks, then an OpenAI error event and `[DONE]` inside the 200 stream, as vLLM does when generation fails. */
  | { readonly kind: 'error_event'; readonly chunksBefore: number }
  /** Waits this long before each stream chunk; plain answers are not slowed. */
  | { readonly kind: 'slow_stream'; readonly eventDelayMs: number }
  /** Answers plain requests as usual but reports this many completion tokens, whatever `max_tokens` said. */
  | { readonly kind: 'overreport'; readonly completionTokens: number };

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const requestBodyBytesMax = 1024 * 1024;
/** What `malformed_sse` sends: an event whose JSON stops in the middle of a string. */
export const malformedEvent =
  'data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"wor\n\n';
/** What `error_event` sends inside its 200 stream. */
export const upstreamErrorEvent = {
  error: { message: 'the model server ran out of memory', type: 'server_error', param: null, code: 'out_of_memory' },
} as const;
const streamPieces = ['Hello', ',', ' world', '!'] as const;
export const fakeModelId = 'fake-model';

function chunkEvent(id: string, model: string, delta: object, finishReason: string | null): string {
  const chunk = {
    id,
    object: 'chat.completion.chunk',
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Every event of a streamed chat completion, in order, ending with `[DONE]`; `model` is the name asked for, as vLLM answers. */
function streamEvents(includeUsage: boolean, model: string): string[] {
  const id = 'chatcmpl-fake';
  const events = [chunkEvent(id, model, { role: 'assistant', content: '' }, null)];
  for (const piece of streamPieces) events.push(chunkEvent(id, model, { content: piece }, null));
  events.push(chunkEvent(id, model, {}, 'stop'));
  if (includeUsage) {
    const usage = { prompt_tokens: 5, completion_tokens: streamPieces.length, total_tokens: 5 + streamPieces.length };
    events.push(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}

function sendJson(res: ServerResponse, statusCode: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * An OpenAI-compatible server on 127.0.0.1 that misbehaves on request: it serves
 * `/v1/chat/completions` (plain and streamed), `/v1/embeddings` and `/v1/models`, and
 * records what it receives, how many requests it holds at once, and how many clients
 * left before their answer was complete.
 */
export class FakeUpstream {
  fault: FakeFault | null = null;
  readonly requests: RecordedRequest[] = [];
  inFlightMax = 0;
  earlyCloses = 0;
  completed = 0;
  readonly #server: Server;
  readonly #waiters: Array<{ readonly ready: () => boolean; readonly resolve: () => void }> = [];
  #releases: Array<() => void> = [];
  #inFlight = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeUpstream> {
    const server = createServer();
    const fake = new FakeUpstream(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The base URL an operator would register: the origin with `/v1`. */
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  /** Requests whose answer has not ended yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The chat completion requests received so far, without health probes. */
  chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/chat/completions'));
  }

  /** Lets every stalled stream finish. */
  release(): void {
    const releases = this.#releases;
    this.#releases = [];
    for (const release of releases) release();
  }

  /** Resolves once this many requests have been received in all. */
  waitForRequests(count: number): Promise<void> {
    return this.#waitFor(() => this.requests.length >= count);
  }

  /** Resolves once no request is in flight: every one was answered or closed. */
  waitForIdle(): Promise<void> {
    return this.#waitFor(() => this.#inFlight === 0);
  }

  /** Resolves once this many answers have been sent whole. */
  waitForCompleted(count: number): Promise<void> {
    return this.#waitFor(() => this.completed >= count);
  }

  /** Resolves once this many clients have left before their answer was complete. */
  waitForEarlyCloses(count: number): Promise<void> {
    return this.#waitFor(() => this.earlyCloses >= count);
  }

  async close(): Promise<void> {
    this.release();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #waitFor(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ready, resolve }));
  }

  #notify(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i]!;
      if (waiter.ready()) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inFlight += 1;
    this.inFlightMax = Math.max(this.inFlightMax, this.#inFlight);
    res.on('close', () => {
      this.#inFlight -= 1;
      if (res.writableFinished) this.completed += 1;
      else this.earlyCloses += 1;
      this.#notify();
    });
    const body = await this.#readBody(req);
    if (body === null) return;
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    this.#notify();
    await this.#answer(req, res, body);
  }

  async #readBody(req: IncomingMessage): Promise<string | null> {
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        sizeBytes += chunk.length;
        if (sizeBytes > requestBodyBytesMax) throw new Error('request body too large');
        chunks.push(chunk);
      }
    } catch {
      req.socket.destroy();
      return null;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async #answer(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const fault = this.fault;
    if (fault?.kind === 'hang_before_headers') return;
    if (fault?.kind === 'status') {
      const errorBody =
        fault.body ??
        JSON.stringify({ error: { message: 'fake failure', type: 'server_error', param: null, code: null } });
      res.writeHead(fault.statusCode, { 'content-type': 'application/json' });
      res.end(errorBody);
      return;
    }
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, fault.delayMs);
        res.on('close', () => clearTimeout(timer));
      });
      if (res.destroyed) return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: fakeModelId, object: 'model', created: 0, owned_by: 'fake' }],
      });
    } else if (req.method === 'POST' && path === '/v1/embeddings') {
      this.#embeddings(res, body);
    } else if (req.method === 'POST' && path === '/v1/chat/completions') {
      await this.#chat(req, res, body);
    } else {
      sendJson(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null },
      });
    }
  }

  #stall(res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#releases.push(resolve);
      res.on('close', resolve);
    });
  }

  #sleep(res: ServerResponse, delayMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #embeddings(res: ServerResponse, body: string): void {
    const input = (JSON.parse(body) as { input: string | string[] }).input;
    const inputs = Array.isArray(input) ? input : [input];
    const data = inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] }));
    sendJson(res, 200, {
      object: 'list',
      data,
      model: fakeModelId,
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    });
  }

  async #chat(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const request = JSON.parse(body) as {
      model?: string;
      stream?: boolean;
      stream_options?: { include_usage?: boolean };
    };
    if (request.stream !== true) {
      const message = { role: 'assistant', content: streamPieces.join('') };
      const completionTokens = this.fault?.kind === 'overreport' ? this.fault.completionTokens : streamPieces.length;
      sendJson(res, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 0,
        model: request.model ?? fakeModelId,
        choices: [{ index: 0, message, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: completionTokens, total_tokens: 5 + completionTokens },
      });
      return;
    }
    const events = streamEvents(request.stream_options?.include_usage === true, request.model ?? fakeModelId);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const fault = this.fault;
    const breakAt = fault !== null && 'chunksBefore' in fault ? fault.chunksBefore : -1;
    for (const [index, event] of events.entries()) {
      if (index === breakAt) {
        if (fault?.kind === 'crash_mid_stream') {
          if (fault.cutInEvent === true) res.write(event.slice(0, -2));
          // Destroying at once would drop the chunks still in the socket's buffer.
          await new Promise<void>((resolve) => req.socket.write('', () => resolve()));
          req.socket.destroy();
          return;
        }
        if (fault?.kind === 'error_event') {
          res.end(`data: ${JSON.stringify(upstreamErrorEvent)}\n\ndata: [DONE]\n\n`);
          return;
        }
        if (fault?.kind === 'malformed_sse') res.write(malformedEvent);
        await this.#stall(res);
        if (res.destroyed) return;
      }
      if (fault?.kind === 'slow_stream') {
        await this.#sleep(res, fault.eventDelayMs);
        if (res.destroyed) return;
      }
      res.write(event);
    }
    res.end();
  }
}
