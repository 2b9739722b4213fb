import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import {
  openCheckpoint,
  parseVerifierKey,
  type ReceiptBundle,
  verifyConsistency,
  verifyInclusion,
  verifyReceiptBundle,
  leafHash,
  canonicalJson,
  type NoteKey,
} from '../../src/audit/index.js';
import { callAdmin } from '../helpers/admin-client.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { runCli } from '../helpers/spawn-cli.js';

/*
 * A request through the official openai client, then its receipt, verified offline with
 * nothing but the log's public key — by the library and by `commonweal audit
 * verify-receipt` — and the log checked whole, by proofs and by a witness.
 */

let fixture: GatewayFixture;
let key: NoteKey;
let verifierKey: string;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

async function get(
  path: string,
  token?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const answer = await request(fixture.platform.url + path, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: answer.statusCode, headers: answer.headers, text: await answer.body.text() };
}

async function receiptOf(id: string, token = fixture.apiKey): Promise<ReceiptBundle> {
  const answer = await get(`/v1/receipts/${id}`, token);
  assert.equal(answer.status, 200, answer.text);
  return JSON.parse(answer.text) as ReceiptBundle;
}

async function checkpoint() {
  const answer = await get('/v1/log/checkpoint');
  assert.equal(answer.status, 200);
  return { note: answer.text, ...openCheckpoint(answer.text, key) };
}

before(async () => {
  fixture = await startGatewayFixture({ config: { gateway: { healthCheckIntervalMs: 600_000 } } });
  const logKey = await get('/.well-known/commonweal/log-key');
  assert.equal(logKey.status, 200);
  verifierKey = (JSON.parse(logKey.text) as { verifierKey: string }).verifierKey;
  key = parseVerifierKey(verifierKey);
});
after(async () => fixture.dispose());

test('a chat completion through the openai client has a receipt that verifies offline with the public key alone', async () => {
  const { data, response } = await fixture.client.chat.completions
    .create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.equal(data.choices[0]?.message.content, 'Hello, world!');
  const receiptId = response.headers.get('x-commonweal-receipt');
  assert.equal(receiptId, response.headers.get('x-request-id'));
  const bundle = await receiptOf(receiptId!);
  const verified = verifyReceiptBundle(JSON.parse(JSON.stringify(bundle)), key);
  assert.equal(verified.receipt.id, receiptId);
  const r = bundle.receipt;
  assert.deepEqual(
    [
      r.type,
      r.version,
      r.organizationId,
      r.projectId,
      r.modelId,
      r.deploymentId,
      r.siteId,
      r.jurisdiction,
      r.engineKind,
      r.status,
      r.outcome,
    ],
    ['commonweal.receipt', 1, 'acme', 'main', 'fake-model', 'dep-0', 'fra-1', 'DE', 'openai', 200, 'success'],
  );
  assert.deepEqual([r.promptTokens, r.completionTokens, r.totalTokens, r.streamed], [5, 4, 9, false]);
  // At the fixture model's prices of 1 and 2 micro-credits per prompt and completion token.
  assert.equal(r.creditsChargedMicro, 5 * 1 + 4 * 2);
  assert.match(r.requestSha256, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(r).includes('Hello, world!'), 'the content itself is never in the log');

  // The same bundle, as a file, through the CLI; then altered by one token.
  const file = join(fixture.platform.dataDir, 'receipt.json');
  writeFileSync(file, JSON.stringify(bundle));
  const ok = await runCli(['audit', 'verify-receipt', file, '--log-key', verifierKey]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`OK: receipt ${receiptId} is leaf ${bundle.leafIndex}`));
  writeFileSync(file, JSON.stringify({ ...bundle, receipt: { ...bundle.receipt, completionTokens: 3 } }));
  const altered = await runCli(['audit', 'verify-receipt', file, '--log-key', verifierKey]);
  assert.equal(altered.code, 1);
  assert.match(altered.stderr, /receipt does not verify/);
});

test('a receipt holds the SHA-256 of the exact request body and of the exact bytes relayed, streamed or not', async () => {
  for (const stream of [false, true]) {
    const body = JSON.stringify({
      model: 'fake-model',
      messages: [{ role: 'user', content: `digest ${stream}` }],
      stream,
    });
    const answer = await request(`${fixture.platform.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
      body,
    });
    const received = Buffer.from(await answer.body.arrayBuffer());
    assert.equal(answer.statusCode, 200);
    const bundle = await receiptOf(String(answer.headers['x-commonweal-receipt']));
    verifyReceiptBundle(bundle, key);
    assert.equal(bundle.receipt.requestSha256, sha256(body));
    assert.equal(bundle.receipt.responseSha256, sha256(received), `stream ${stream}`);
    assert.equal(bundle.receipt.streamed, stream);
  }
});

test('a receipt is readable only with a key of its own organization, and an error answer has one too', async () => {
  const { response } = await fixture.client.chat.completions
    .create({ model: 'fake-model', messages: [{ role: 'user', content: 'x' }] })
    .withResponse();
  const id = response.headers.get('x-commonweal-receipt')!;
  await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs', {
    body: { id: 'other', name: 'Other', homeJurisdiction: 'FR' },
  });
  await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs/other/projects', { body: { id: 'p', name: 'P' } });
  const otherKey = (
    await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs/other/keys', {
      body: { role: 'project', projectId: 'p' },
    })
  ).body.secret as string;
  const foreign = await get(`/v1/receipts/${id}`, otherKey);
  assert.equal(foreign.status, 404);
  assert.equal((await get(`/v1/receipts/req_missing`, otherKey)).text, foreign.text.replace(id, 'req_missing'));
  assert.equal((await get(`/v1/receipts/${id}`)).status, 401);

  fixture.upstreams[0]!.fault = { kind: 'status', statusCode: 400 };
  const refused = await request(`${fixture.platform.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', messages: [] }),
  });
  await refused.body.text();
  fixture.upstreams[0]!.fault = null;
  const bundle = await receiptOf(String(refused.headers['x-commonweal-receipt']));
  assert.equal(bundle.receipt.status, refused.statusCode);
  verifyReceiptBundle(bundle, key);
});

test('the public proofs verify against signed checkpoints, and a witness sees the log only grow', async () => {
  const state = join(fixture.platform.dataDir, 'witness.json');
  const first = await runCli(['audit', 'watch', fixture.platform.url, '--state', state, '--count', '1']);
  assert.equal(first.code, 0, first.stderr);
  const old = await checkpoint();
  const { response } = await fixture.client.chat.completions
    .create({ model: 'fake-model', messages: [{ role: 'user', content: 'grow' }] })
    .withResponse();
  const bundle = await receiptOf(response.headers.get('x-commonweal-receipt')!);
  const fresh = await checkpoint();
  assert.ok(fresh.size > old.size);

  const inclusion = JSON.parse(
    (await get(`/v1/log/proof/inclusion?index=${bundle.leafIndex}&size=${fresh.size}`)).text,
  ) as { hashes: string[] };
  const hash = leafHash(Buffer.from(canonicalJson(bundle.receipt)));
  assert.ok(
    verifyInclusion(
      bundle.leafIndex,
      fresh.size,
      hash,
      inclusion.hashes.map((h) => Buffer.from(h, 'base64')),
      fresh.root,
    ),
  );
  const consistency = JSON.parse((await get(`/v1/log/proof/consistency?from=${old.size}&to=${fresh.size}`)).text) as {
    hashes: string[];
  };
  assert.ok(
    verifyConsistency(
      old.size,
      fresh.size,
      consistency.hashes.map((h) => Buffer.from(h, 'base64')),
      old.root,
      fresh.root,
    ),
  );
  assert.equal((await get(`/v1/log/proof/inclusion?index=${fresh.size}&size=${fresh.size}`)).status, 400);
  assert.equal((await get(`/v1/log/proof/consistency?from=1&to=${fresh.size + 1000}`)).status, 400);

  const second = await runCli(['audit', 'watch', fixture.platform.url, '--state', state, '--count', '1']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`size ${fresh.size} .*consistent with size ${old.size}`));
  assert.equal(JSON.parse(readFileSync(state, 'utf8')).checkpoint, fresh.note);
});

test('the checkpoint history pages newest first, and every checkpoint in it verifies', async () => {
  for (const content of ['history one', 'history two']) {
    await fixture.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content }] });
    await checkpoint();
  }
  const seen: { treeSize: number; note: string; rootHash: string }[] = [];
  let below: number | null = null;
  do {
    const answer = await get(`/v1/log/checkpoints?limit=1${below === null ? '' : `&below=${below}`}`);
    assert.equal(answer.status, 200, answer.text);
    const page = JSON.parse(answer.text) as { data: typeof seen; nextBelow: number | null };
    assert.ok(page.data.length <= 1);
    seen.push(...page.data);
    below = page.nextBelow;
  } while (below !== null);
  assert.ok(seen.length >= 3, `${seen.length} checkpoints`);
  const sizes = seen.map((c) => c.treeSize);
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => b - a),
  );
  assert.equal(new Set(sizes).size, sizes.length);
  assert.equal(seen[0]!.note, (await checkpoint()).note);
  for (const stored of seen) {
    const opened = openCheckpoint(stored.note, key);
    assert.equal(opened.size, stored.treeSize);
    assert.equal(opened.root.toString('base64'), stored.rootHash);
  }
  for (const bad of ['limit=0', 'limit=1001', 'below=x', 'limit=-1']) {
    assert.equal((await get(`/v1/log/checkpoints?${bad}`)).status, 400, bad);
  }
});

test('commonweal audit verify finds every receipt and admin change sound while the server runs', async () => {
  const result = await runCli(['audit', 'verify', '--data-dir', fixture.platform.dataDir, '--json']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as {
    problems: string[];
    receipts: number;
    adminChanges: number;
    leaves: number;
  };
  assert.deepEqual(report.problems, []);
  assert.ok(report.receipts >= 5, `${report.receipts} receipts`);
  // The fixture's organization, project, key, model, two sites and deployment, and this file's organization, project and key.
  assert.ok(report.adminChanges >= 10, `${report.adminChanges} admin changes`);
});
