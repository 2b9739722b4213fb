import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { allUsageRecords, sseData, withinGuard } from '../helpers/gateway-calls.js';
import { killMidLoad } from '../helpers/kill-mid-load.js';
import { exitOf, killServe, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const roundCount = 3;
const requestsPerRound = 60;
/** The server is killed once this many answers of each kind have arrived whole, with the rest in flight. */
const completeBeforeKill = { plain: 5, stream: 2 };
/** Requests start this far apart, so that streams end one after another rather than all at once. */
const staggerMs = 2;
const guardMs = 15_000;
const env = { COMMONWEAL_ADMIN_TOKEN: testAdminToken };

interface Outcome {
  readonly index: number;
  readonly stream: boolean;
  /** Set once the answer's headers arrived. */
  readonly requestId: string | undefined;
  readonly status: number | undefined;
  /** A whole answer: the full JSON, or a stream that reached `[DONE]`. */
  readonly complete: boolean;
}

let upstream: FakeUpstream;
const dataDir = tempDataDir();
let server: ServeProcess | undefined;

before(async () => {
  upstream = await FakeUpstream.start();
  // Streams take a while, so that the kill finds many of them half sent.
  upstream.fault = { kind: 'slow_stream', eventDelayMs: 15 };
});
after(async () => {
  await killServe(server);
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function admin(url: string, path: string, body: unknown): Promise<any> {
  const answer = await callAdmin(url, 'POST', path, { body });
  assert.ok(answer.status < 300, `POST ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Sends one request and reports what the client got, whatever happens to the server. */
async function fire(url: string, apiKey: string, index: number): Promise<Outcome> {
  const stream = index % 2 === 1;
  const body = {
    model: 'fake-model',
    messages: [{ role: 'user', content: `request ${index}` }],
    ...(stream ? { stream: true } : {}),
    // Every other stream asks for its usage, so the client can check it as well.
    ...(index % 4 === 1 ? { stream_options: { include_usage: true } } : {}),
  };
  let requestId: string | undefined;
  let status: number | undefined;
  try {
    const answer = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: guardMs,
      bodyTimeout: guardMs,
    });
    requestId = answer.headers['x-request-id'] as string | undefined;
    status = answer.statusCode;
    const text = await answer.body.text();
    if (!stream) {
      const json = JSON.parse(text);
      assert.deepEqual(json.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
      return { index, stream, requestId, status, complete: true };
    }
    const data = sseData(text);
    if (data.at(-1) !== '[DONE]') return { index, stream, requestId, status, complete: false };
    if (index % 4 === 1)
      assert.deepEqual(JSON.parse(data.at(-2)!).usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    return { index, stream, requestId, status, complete: true };
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    // The server died under this request: the connection broke, or the body was cut short.
    return { index, stream, requestId, status, complete: false };
  }
}

/** Fires a round of concurrent requests and SIGKILLs the server once a few of each kind have come back whole. */
function roundWithKill(running: ServeProcess, apiKey: string): Promise<Outcome[]> {
  const completeCount = { plain: 0, stream: 0 };
  return killMidLoad(running, {
    requests: requestsPerRound,
    staggerMs,
    guardMs,
    fire: (index) => fire(running.url, apiKey, index),
    enough: (outcome) => {
      if (outcome.complete) completeCount[outcome.stream ? 'stream' : 'plain'] += 1;
      return completeCount.plain >= completeBeforeKill.plain && completeCount.stream >= completeBeforeKill.stream;
    },
  });
}

test('every answer a client received whole has its usage record, exactly, after SIGKILL mid-load and restart', async (t) => {
  server = await spawnServe(['--data-dir', dataDir], env);
  await admin(server.url, '/admin/v1/orgs', { id: 'acme', name: 'Acme', homeJurisdiction: 'DE' });
  await admin(server.url, '/admin/v1/orgs/acme/projects', { id: 'main', name: 'Main' });
  // Billing is on by default: credits for far more requests than the test makes.
  await admin(server.url, '/admin/v1/orgs/acme/credits', { amountMicro: 1_000_000_000 });
  const key = await admin(server.url, '/admin/v1/orgs/acme/keys', { role: 'project', projectId: 'main' });
  await admin(server.url, '/admin/v1/models', {
    id: 'fake-model',
    inputPriceMicroPerMtok: 1,
    outputPriceMicroPerMtok: 1,
  });
  await admin(server.url, '/admin/v1/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
  await admin(server.url, '/admin/v1/deployments', {
    id: 'dep-0',
    modelId: 'fake-model',
    siteId: 'fra-1',
    kind: 'openai',
    baseUrl: upstream.baseUrl,
  });

  const complete: Outcome[] = [];
  let cutOff = 0;
  for (let round = 1; round <= roundCount; round++) {
    const outcomes = await roundWithKill(server, key.secret);
    server = await spawnServe(['--data-dir', dataDir], env);
    const records = await allUsageRecords(server.url);
    for (const outcome of outcomes) {
      if (!outcome.complete) {
        cutOff += 1;
        continue;
      }
      complete.push(outcome);
      assert.equal(outcome.status, 200);
      const record = records.get(outcome.requestId ?? '');
      assert.ok(
        record,
        `round ${round}: request ${outcome.index} (${outcome.requestId}) was answered whole but has no usage record`,
      );
      assert.deepEqual(
        [
          record.outcome,
          record.status,
          record.promptTokens,
          record.completionTokens,
          record.totalTokens,
          record.usageEstimated,
          record.streamed,
        ],
        ['success', 200, 5, 4, 9, false, outcome.stream],
        `round ${round}: request ${outcome.index}`,
      );
    }
  }
  assert.ok(complete.some((o) => o.stream) && complete.some((o) => !o.stream), 'both kinds were answered whole');
  assert.ok(cutOff > 0, 'the kills came mid-load: some requests were cut off');
  t.diagnostic(`${complete.length} answers complete and metered, ${cutOff} cut off, over ${roundCount} kills`);

  // The restarted server serves and meters as before.
  const last = await fire(server.url, key.secret, 1);
  assert.ok(last.complete);
  server.child.kill('SIGTERM');
  assert.equal(await withinGuard(exitOf(server.child), guardMs, 'a graceful stop'), 0);
});
