import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { billedOrganization, operatorCall } from '../helpers/billing-setup.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { allUsageRecords, withinGuard } from '../helpers/gateway-calls.js';
import { exitOf, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

/** Long enough for the test to release the held streams after SIGTERM; the stream that is never released is cut. */
const drainTimeoutMs = 8_000;
const guardMs = 60_000;
const workerCount = 6;
const completeBeforeSigterm = 12;
const heldByClient = 2;
const env = { COMMONWEAL_ADMIN_TOKEN: testAdminToken };

interface Outcome {
  readonly requestId: string | null;
  readonly stream: boolean;
  /** A whole answer: the JSON, or a stream that ended with its finish reason and no error. */
  readonly complete: boolean;
}

let fast: FakeUpstream;
let held: FakeUpstream;
let cut: FakeUpstream;
const dataDirs: string[] = [];
const servers: ServeProcess[] = [];

before(async () => {
  [fast, held, cut] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
  fast.fault = { kind: 'slow_stream', eventDelayMs: 10 };
  held.fault = { kind: 'stall_mid_stream', chunksBefore: 2 };
  cut.fault = { kind: 'stall_mid_stream', chunksBefore: 2 };
});
after(async () => {
  for (const server of servers) await killServe(server);
  await Promise.all([fast, held, cut].map((u) => u.close()));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(dataDir: string, args: readonly string[] = []): Promise<ServeProcess> {
  const server = await spawnServe(['--data-dir', dataDir, '--log-level', 'info', ...args], env);
  servers.push(server);
  return server;
}

/** Three models, each on its own upstream: one that answers, one whose streams the test holds, one it never lets go. */
async function setUp(url: string): Promise<string> {
  const { secret } = await billedOrganization(url, 'acme', 1_000_000_000);
  const upstreams = { 'fake-model': fast, 'held-model': held, 'cut-model': cut };
  await operatorCall(url, 'POST', '/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
  for (const [modelId, upstream] of Object.entries(upstreams)) {
    await operatorCall(url, 'POST', '/models', { id: modelId, inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
    await operatorCall(url, 'POST', '/deployments', {
      id: `dep-${modelId}`,
      modelId,
      siteId: 'fra-1',
      kind: 'openai',
      baseUrl: upstream.baseUrl,
    });
  }
  return secret;
}

function client(url: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: guardMs });
}

/** Sends one request; whatever happens to the server, resolves with what the client got. */
async function fire(openai: OpenAI, model: string, stream: boolean, onFirstChunk?: () => void): Promise<Outcome> {
  let requestId: string | null = null;
  const messages = [{ role: 'user' as const, content: 'hi' }];
  try {
    if (!stream) {
      const { data, response } = await openai.chat.completions.create({ model, messages }).withResponse();
      requestId = response.headers.get('x-request-id');
      return { requestId, stream, complete: data.choices[0]?.finish_reason === 'stop' };
    }
    const { data, response } = await openai.chat.completions.create({ model, messages, stream: true }).withResponse();
    requestId = response.headers.get('x-request-id');
    let finished = false;
    for await (const chunk of data) {
      onFirstChunk?.();
      if (chunk.choices[0]?.finish_reason === 'stop') finished = true;
    }
    return { requestId, stream, complete: finished };
  } catch {
    return { requestId, stream, complete: false };
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves once the server's output has a line that matches. */
function printed(server: ServeProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const look = () => {
      if (!pattern.test(server.output())) return false;
      server.child.stdout.off('data', look);
      resolve();
      return true;
    };
    if (!look()) server.child.stdout.on('data', look);
  });
}

function connectionRefused(url: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** A raw connection busy with a held stream, so that a request can be pipelined behind it during the drain. */
async function busyConnection(url: string, apiKey: string): Promise<{ socket: Socket; text: () => string }> {
  const body = JSON.stringify({ model: 'held-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let text = '';
  const firstBytes = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  await firstBytes;
  return { socket, text: () => text };
}

test('SIGTERM under load: not ready at once, connections refused, work in flight finishes and is recorded', async (t) => {
  const dataDir = tempDataDir();
  dataDirs.push(dataDir);
  const server = await serve(dataDir, ['--drain-timeout-ms', String(drainTimeoutMs)]);
  const apiKey = await setUp(server.url);
  const openai = client(server.url, apiKey);

  // Load: each worker alternates plain and streamed requests until the server stops answering.
  const outcomes: Outcome[] = [];
  let onEnough!: () => void;
  const enough = new Promise<void>((resolve) => (onEnough = resolve));
  const workers = Array.from({ length: workerCount }, async (_, worker) => {
    for (let index = 0; ; index++) {
      const outcome = await fire(openai, 'fake-model', (index + worker) % 2 === 1);
      outcomes.push(outcome);
      if (outcomes.filter((o) => o.complete).length >= completeBeforeSigterm) onEnough();
      if (!outcome.complete) return;
    }
  });
  await withinGuard(enough, guardMs, 'the first complete answers');

  // Streams in flight across the signal: held ones the test releases after it, one it never releases.
  const firstChunks: Promise<void>[] = [];
  const heldStreams = Array.from({ length: heldByClient }, () => {
    const { promise, resolve } = deferred();
    firstChunks.push(promise);
    return fire(openai, 'held-model', true, resolve);
  });
  const busy = await busyConnection(server.url, apiKey);
  const cutFirstChunk = deferred();
  const cutStream = fire(openai, 'cut-model', true, cutFirstChunk.resolve);
  await withinGuard(Promise.all([...firstChunks, cutFirstChunk.promise]), guardMs, 'the held streams begin');

  server.child.kill('SIGTERM');
  await withinGuard(printed(server, /"msg":"shutdown: draining/), guardMs, 'the drain begins');
  assert.equal(await connectionRefused(server.url), 'ECONNREFUSED', 'a new connection is refused at once');
  // Pipelined behind the held stream: the server reads it now, during the drain, and answers it after the stream.
  busy.socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
  const busyClosed = new Promise<void>((resolve) => busy.socket.once('close', () => resolve()));
  held.release();

  const released = await withinGuard(Promise.all(heldStreams), guardMs, 'the released streams end');
  assert.ok(
    released.every((o) => o.complete),
    'streams in flight at SIGTERM finish whole',
  );
  await withinGuard(busyClosed, guardMs, 'the busy connection closes after its answers');
  const answers = busy.text().split(/(?=HTTP\/1\.1 )/);
  assert.match(answers[0]!, /data: \[DONE\]/, 'the stream on the busy connection ended whole');
  assert.match(answers[1]!, /^HTTP\/1\.1 503 /, `readyz during the drain: ${answers[1]}`);
  assert.match(answers[1]!.toLowerCase(), /\r\nconnection: close\r\n/);
  assert.match(answers[1]!, /"status":"draining"/);
  const cutOutcome = await withinGuard(cutStream, guardMs, 'the stream past the deadline is cut');
  assert.equal(cutOutcome.complete, false, 'a stream longer than the drain timeout is cut');

  assert.equal(await withinGuard(exitOf(server.child), guardMs, 'the stop'), 0, 'exit code 0');
  await Promise.all(workers);
  const output = server.output();
  for (const phase of [/drain deadline passed/, /writer flushed/, /store closed/, /Commonweal stopped/])
    assert.match(output, phase);

  // After a restart, every answer a client got whole is metered and has its receipt; the cut stream is recorded too.
  const restarted = await serve(dataDir);
  const records = await allUsageRecords(restarted.url);
  const complete = [...outcomes, ...released].filter((o) => o.complete);
  for (const outcome of complete) {
    const record = records.get(outcome.requestId ?? '');
    assert.ok(record, `request ${outcome.requestId} was answered whole but has no usage record`);
    assert.equal(record.outcome, 'success');
    const receipt = await fetch(`${restarted.url}/v1/receipts/${outcome.requestId}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(receipt.status, 200, `receipt of ${outcome.requestId}: ${await receipt.text()}`);
  }
  const cutRecord = records.get(cutOutcome.requestId ?? '');
  assert.equal(cutRecord?.outcome, 'client_aborted', 'the cut stream is recorded as the client leaving');
  assert.equal(cutRecord?.streamed, true);

  const ledger = await runCli(['ledger', 'verify'], { ...env, COMMONWEAL_SERVER: restarted.url });
  assert.equal(ledger.code, 0, ledger.stdout + ledger.stderr);
  const audit = await runCli(['audit', 'verify', '--data-dir', dataDir]);
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);
  const refused = outcomes.filter((o) => !o.complete).length;
  t.diagnostic(`${complete.length} answers complete and recorded; ${refused} requests refused or cut by the stop`);

  restarted.child.kill('SIGTERM');
  assert.equal(await withinGuard(exitOf(restarted.child), guardMs, 'an idle stop'), 0);
});

test('a second signal during the drain exits at once, non-zero, and says so', async () => {
  const dataDir = tempDataDir();
  dataDirs.push(dataDir);
  const server = await serve(dataDir);
  const apiKey = await setUp(server.url);
  const firstChunk = deferred();
  const stream = fire(client(server.url, apiKey), 'cut-model', true, firstChunk.resolve);
  await withinGuard(firstChunk.promise, guardMs, 'the stream begins');
  const stderr: string[] = [];
  server.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  server.child.kill('SIGTERM');
  await withinGuard(printed(server, /"msg":"shutdown: draining/), guardMs, 'the drain begins');
  server.child.kill('SIGINT');
  assert.equal(await withinGuard(exitOf(server.child), guardMs, 'the exit'), 1);
  assert.match(stderr.join(''), /SIGINT again: exiting now/);
  assert.equal((await stream).complete, false);
});
