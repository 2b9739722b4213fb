import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny OpenAI-compatible model server for benchmarks: it answers at once, so that what
 * a benchmark measures is the proxy in front of it. It serves `GET /v1/models` (for health
 * checks) and `POST /v1/chat/completions`, plain (JSON with usage) or streamed (a few
 * chunks, a usage chunk when asked, then `[DONE]`). A streamed request may ask to be slow
 * with `bench_chunk_interval_ms` and `bench_chunks` in its body's `metadata`, so that streams
 * stay open: `metadata` is an OpenAI parameter (string values), so every gateway passes it on.
 *
 * Run: `node dist/bench/fast-upstream.js [port]`; it prints `listening on http://…`.
 */

const requestBodyBytesMax = 64 * 1024;
const slowChunksMax = 100;
const slowIntervalMsMax = 5_000;
const modelId = 'bench-model';
const pieces = ['Hello', ',', ' world', '!', ' How', ' can', ' I', ' help?'] as const;
const usage = { prompt_tokens: 12, completion_tokens: pieces.length, total_tokens: 12 + pieces.length };

const completionBody = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: modelId,
  choices: [
    { index: 0, message: { role: 'assistant', content: pieces.join('') }, logprobs: null, finish_reason: 'stop' },
  ],
  usage,
});
const modelsBody = JSON.stringify({
  object: 'list',
  data: [{ id: modelId, object: 'model', created: 0, owned_by: 'bench' }],
});

function chunkEvent(delta: object, finishReason: string | null): string {
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: modelId,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

// The events are fixed, so they are built once; a real server's work is not what is measured.
const firstEvent = chunkEvent({ role: 'assistant', content: '' }, null);
const pieceEvents = pieces.map((piece) => chunkEvent({ content: piece }, null));
const stopEvent = chunkEvent({}, 'stop');
const usageEvent = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: modelId, choices: [], usage })}\n\n`;
const doneEvent = 'data: [DONE]\n\n';

interface ChatRequest {
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage?: boolean };
  readonly metadata?: { readonly bench_chunk_interval_ms?: string; readonly bench_chunks?: string };
}

function sendJson(res: ServerResponse, statusCode: number, body: string): void {
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function clamp(text: string | undefined, max: number): number {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? Math.min(value, max) : 0;
}

function streamFast(res: ServerResponse, includeUsage: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // One write per event, as a model server sends them; the last ones go with the end.
  res.write(firstEvent);
  for (const event of pieceEvents) res.write(event);
  res.write(stopEvent);
  res.end(includeUsage ? usageEvent + doneEvent : doneEvent);
}

function streamSlow(res: ServerResponse, includeUsage: boolean, intervalMs: number, chunks: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(firstEvent);
  let sent = 0;
  const timer = setInterval(() => {
    sent += 1;
    if (sent <= chunks) {
      res.write(pieceEvents[sent % pieceEvents.length]!);
      return;
    }
    clearInterval(timer);
    res.end(stopEvent + (includeUsage ? usageEvent : '') + doneEvent);
  }, intervalMs);
  res.once('close', () => clearInterval(timer));
}

function chat(res: ServerResponse, raw: string): void {
  let request: ChatRequest;
  try {
    request = JSON.parse(raw) as ChatRequest;
  } catch {
    sendJson(
      res,
      400,
      JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error', param: null, code: null } }),
    );
    return;
  }
  if (request.stream !== true) {
    sendJson(res, 200, completionBody);
    return;
  }
  const includeUsage = request.stream_options?.include_usage === true;
  const intervalMs = clamp(request.metadata?.bench_chunk_interval_ms, slowIntervalMsMax);
  if (intervalMs === 0) streamFast(res, includeUsage);
  else streamSlow(res, includeUsage, intervalMs, clamp(request.metadata?.bench_chunks, slowChunksMax) || 1);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  req.on('data', (chunk: Buffer) => {
    sizeBytes += chunk.length;
    if (sizeBytes > requestBodyBytesMax) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v1/chat/completions')
      chat(res, Buffer.concat(chunks, sizeBytes).toString('utf8'));
    else if (req.method === 'GET' && path === '/v1/models') sendJson(res, 200, modelsBody);
    else
      sendJson(
        res,
        404,
        JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }),
      );
  });
}

const server = createServer(handle);
server.keepAliveTimeout = 120_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
