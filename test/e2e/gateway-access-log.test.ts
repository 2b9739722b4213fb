import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { postRaw } from '../helpers/gateway-calls.js';
import { killServe, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

let server: ServeProcess;
let upstream: FakeUpstream;
let secret: string;

async function admin(method: 'POST' | 'PUT', path: string, body: unknown): Promise<any> {
  const answer = await callAdmin(server.url, method, `/admin/v1${path}`, { body });
  assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

before(async () => {
  upstream = await FakeUpstream.start();
  server = await spawnServe(['--data-dir', tempDataDir(), '--log-level', 'info'], {
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
  });
  await admin('POST', '/orgs', { id: 'acme', name: 'Acme', homeJurisdiction: 'DE' });
  await admin('POST', '/orgs/acme/projects', { id: 'main', name: 'Main' });
  await admin('POST', '/orgs/acme/credits', { amountMicro: 1_000_000 });
  secret = (await admin('POST', '/orgs/acme/keys', { role: 'project', projectId: 'main' })).secret;
  await admin('POST', '/models', {
    id: 'fake-model',
    inputPriceMicroPerMtok: 1_000_000,
    outputPriceMicroPerMtok: 2_000_000,
  });
  await admin('POST', '/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
  await admin('POST', '/deployments', {
    id: 'dep-0',
    modelId: 'fake-model',
    siteId: 'fra-1',
    kind: 'openai',
    baseUrl: upstream.baseUrl,
  });
});
after(async () => {
  await killServe(server);
  await upstream.close();
});

/** The server's JSON log lines whose requestId is this one; waits a little for them to be flushed. */
async function logLinesOf(requestId: string): Promise<Record<string, unknown>[]> {
  let lines: Record<string, unknown>[] = [];
  for (let attempt = 0; attempt < 50 && lines.length === 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    lines = server
      .output()
      .split('\n')
      .filter((text) => text.includes(requestId))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .filter((entry) => entry.requestId === requestId);
  }
  return lines;
}

/** The access line of one /v1 request. */
async function accessLineOf(requestId: string): Promise<Record<string, unknown>> {
  const line = (await logLinesOf(requestId)).find((entry) => entry.msg === 'inference request');
  return line ?? assert.fail(`no access line for ${requestId} in:\n${server.output()}`);
}

test('every /v1 request has one access line under the id the client sees, without bodies or secrets', async () => {
  const content = 'a sentence only the body carries';
  const served = await postRaw(server.url, secret, '/v1/chat/completions', {
    model: 'fake-model',
    messages: [{ role: 'user', content }],
    max_tokens: 20,
  });
  assert.equal(served.status, 200);
  const line = await accessLineOf(served.requestId);
  assert.deepEqual(
    {
      organizationId: line.organizationId,
      projectId: line.projectId,
      model: line.model,
      deployment: line.deployment,
      site: line.site,
      status: line.status,
      promptTokens: line.promptTokens,
      completionTokens: line.completionTokens,
      path: line.path,
    },
    {
      organizationId: 'acme',
      projectId: 'main',
      model: 'fake-model',
      deployment: 'dep-0',
      site: 'fra-1',
      status: 200,
      promptTokens: 5,
      completionTokens: 4,
      path: '/v1/chat/completions',
    },
  );
  assert.equal(typeof line.latencyMs, 'number');
  assert.equal(typeof line.keyId, 'string');

  const refused = await postRaw(server.url, 'cw_wrong-key', '/v1/chat/completions', {
    model: 'fake-model',
    messages: [],
  });
  assert.equal(refused.status, 401);
  const refusedLine = await accessLineOf(refused.requestId);
  assert.deepEqual([refusedLine.status, refusedLine.organizationId, refusedLine.deployment], [401, null, null]);

  const logged = server.output();
  assert.equal(logged.split('\n').filter((text) => text.includes(served.requestId)).length, 1, 'one line per request');
  assert.ok(!logged.includes(content), 'no body is logged');
  assert.ok(!logged.includes(secret) && !logged.includes('cw_wrong-key'), 'no key is logged');
});

test('a management API request carries the same request id in its answer and in the log', async () => {
  const answer = await request(`${server.url}/admin/v1/orgs/acme`, {
    headers: { authorization: `Bearer ${testAdminToken}` },
  });
  await answer.body.dump();
  const requestId = answer.headers['x-request-id'];
  assert.match(String(requestId), /^req_/);
  const lines = await logLinesOf(String(requestId));
  assert.ok(lines.length > 0, `no log line names ${requestId}`);
});
