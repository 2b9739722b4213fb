import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { tinyLlamaGguf } from '../../src/model-files/index.js';
import { callAdmin } from './admin-client.js';
import type { HttpMethod } from './admin-route-table.js';
import type { GatewayFixture } from './gateway-fixture.js';
import { RangeFileServer } from './range-file-server.js';
import { testAdminToken } from './temp-platform.js';

/** One answer of the management API, with the route it came from as the OpenAPI document names it. */
export interface RecordedAnswer {
  readonly method: HttpMethod;
  readonly template: string;
  readonly status: number;
  readonly contentType: string;
  /** The parsed JSON body, or the text of any other body. */
  readonly body: unknown;
}

const pullWaitAttemptsMax = 200;

/**
 * Calls every route of the management API at least once with a request it answers with
 * success, on records whose optional fields are filled in, so that each answer shows
 * every field its route can return. Needs a gateway fixture with two upstreams.
 */
export async function runResponseScenario(fixture: GatewayFixture): Promise<readonly RecordedAnswer[]> {
  const url = fixture.platform.url;
  const answers: RecordedAnswer[] = [];
  const call = async (
    method: HttpMethod,
    template: string,
    path: string,
    body?: unknown,
    token = testAdminToken,
  ): Promise<any> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await request(`${url}/admin/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.body.text();
    const contentType = String(answer.headers['content-type'] ?? '');
    const parsed: unknown = contentType.startsWith('application/json') ? JSON.parse(text) : text;
    assert.ok(answer.statusCode < 300, `${method} ${path} → ${answer.statusCode} ${text}`);
    answers.push({ method, template, status: answer.statusCode, contentType, body: parsed });
    return parsed;
  };

  // A request through the gateway, so that usage, statements and the ledger have records.
  await fixture.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] });

  await call('GET', '/orgs', '/orgs');
  await call('POST', '/orgs', '/orgs', { id: 'beta', name: 'Beta', homeJurisdiction: 'FR' });
  await call('POST', '/orgs', '/orgs', { id: 'gamma', name: 'Gamma', homeJurisdiction: 'DE' });
  await call('GET', '/orgs/{orgId}', '/orgs/acme');
  await call('PATCH', '/orgs/{orgId}', '/orgs/beta', { name: 'Beta 2' });

  await call('GET', '/orgs/{orgId}/projects', '/orgs/acme/projects');
  await call('POST', '/orgs/{orgId}/projects', '/orgs/acme/projects', { id: 'side', name: 'Side' });
  await call('GET', '/orgs/{orgId}/projects/{projectId}', '/orgs/acme/projects/main');
  await call('PATCH', '/orgs/{orgId}/projects/{projectId}', '/orgs/acme/projects/side', { name: 'Side 2' });

  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const key = await call('POST', '/orgs/{orgId}/keys', '/orgs/acme/keys', {
    role: 'project',
    projectId: 'side',
    name: 'ci',
    expiresAt,
  });
  const adminKey = await call('POST', '/orgs/{orgId}/keys', '/orgs/acme/keys', { role: 'org_admin' });
  await call('GET', '/orgs/{orgId}/keys', '/orgs/acme/keys');
  await call('GET', '/orgs/{orgId}/keys/{keyId}', `/orgs/acme/keys/${key.id}`);

  await call('GET', '/models', '/models');
  await call('POST', '/models', '/models', {
    id: 'full-model',
    family: 'llama',
    origin: 'Meta',
    license: 'llama3.1',
    parameterCount: 8_000_000_000,
    contextLength: 131_072,
    tags: ['chat'],
    inputPriceMicroPerMtok: 100,
    outputPriceMicroPerMtok: 200,
  });
  await call('GET', '/models/{modelId}', '/models/full-model');
  await call('PATCH', '/models/{modelId}', '/models/full-model', { tags: ['chat', 'tools'] });

  await call('GET', '/sites', '/sites');
  await call('POST', '/sites', '/sites', {
    id: 'ber-1',
    name: 'Berlin',
    jurisdiction: 'DE',
    region: 'Berlin',
    city: 'Berlin',
    accelerators: [{ vendor: 'nvidia', type: 'H200', count: 8 }],
    powerKw: 500,
  });
  await call('GET', '/sites/{siteId}', '/sites/ber-1');
  await call('PATCH', '/sites/{siteId}', '/sites/ber-1', { powerKw: 600 });

  await callModelFiles(fixture, call);

  await call('GET', '/deployments', '/deployments');
  await call('POST', '/deployments', '/deployments', {
    id: 'dep-proxy',
    modelId: 'full-model',
    siteId: 'ber-1',
    kind: 'openai',
    baseUrl: 'http://127.0.0.1:9/v1',
    upstreamModel: 'llama-3.1-8b',
    upstreamApiKey: 'sk-upstream',
    weight: 2,
    enabled: false,
  });
  await call('GET', '/deployments/{deploymentId}', '/deployments/dep-proxy');
  await call('PATCH', '/deployments/{deploymentId}', '/deployments/dep-proxy', { weight: 3 });
  await call('GET', '/deployments/{deploymentId}/status', '/deployments/dep-0/status');
  await call('GET', '/deployments/{deploymentId}/status', '/deployments/dep-tiny/status');

  await call('GET', '/usage', '/usage');

  await callPolicy(call);
  await callBilling(call, adminKey.secret as string);

  // Deletions last, once nothing refers to what they delete.
  await call('DELETE', '/orgs/{orgId}/keys/{keyId}', `/orgs/acme/keys/${key.id}`);
  await call('DELETE', '/deployments/{deploymentId}', '/deployments/dep-proxy');
  await call('DELETE', '/deployments/{deploymentId}', '/deployments/dep-tiny');
  await call('DELETE', '/models/{modelId}', '/models/full-model');
  await call('DELETE', '/sites/{siteId}', '/sites/ber-1');
  await call('DELETE', '/orgs/{orgId}/projects/{projectId}', '/orgs/acme/projects/side');
  await call('DELETE', '/orgs/{orgId}', '/orgs/gamma');
  return answers;
}

type Call = (method: HttpMethod, template: string, path: string, body?: unknown, token?: string) => Promise<any>;

/** A pull from a server, the demo model, and an embedded deployment whose engine has a status. */
async function callModelFiles(fixture: GatewayFixture, call: Call): Promise<void> {
  const files = await RangeFileServer.start({ 'tiny-remote.gguf': tinyLlamaGguf() });
  try {
    const pull = await call('POST', '/model-pulls', '/model-pulls', { source: `${files.origin}/tiny-remote.gguf` });
    let state = pull.state as string;
    for (let attempt = 0; state === 'running' && attempt < pullWaitAttemptsMax; attempt += 1) {
      await sleep(50);
      const answer = await callAdmin(fixture.platform.url, 'GET', `/admin/v1/model-pulls/${pull.id}`);
      state = answer.body.state;
    }
    assert.equal(state, 'succeeded');
    await call('GET', '/model-pulls/{pullId}', `/model-pulls/${pull.id}`);
  } finally {
    await files.close();
  }
  await call('POST', '/demo-model', '/demo-model');
  const source = join(fixture.platform.dataDir, 'models', 'scenario', 'tiny.gguf');
  mkdirSync(join(fixture.platform.dataDir, 'models', 'scenario'), { recursive: true });
  writeFileSync(source, tinyLlamaGguf());
  await call('POST', '/deployments', '/deployments', {
    id: 'dep-tiny',
    modelId: 'full-model',
    siteId: 'ber-1',
    kind: 'embedded',
    source,
    engineOptions: { contextSize: 256, gpuLayers: 0, parallelSequences: 1, threads: 1 },
    enabled: false,
  });
}

async function callPolicy(call: Call): Promise<void> {
  await call('GET', '/policy/rules', '/policy/rules');
  await call('POST', '/policy/rules', '/policy/rules', {
    id: 'no-fr',
    effect: 'deny',
    match: { siteJurisdictions: { in: ['FR'] }, modelIds: { notIn: ['other-model'] } },
    reason: 'French sites are reserved',
    reference: 'Decision 2027/1',
  });
  await call('GET', '/policy/rules', '/policy/rules');
  await call('GET', '/policy/rules/{ruleId}', '/policy/rules/no-fr');
  await call('PATCH', '/policy/rules/{ruleId}', '/policy/rules/no-fr', { reason: 'Reserved for the state' });

  await call('GET', '/jurisdiction-groups', '/jurisdiction-groups?limit=3');
  await call('POST', '/jurisdiction-groups', '/jurisdiction-groups', {
    id: 'NORDICS',
    name: 'Nordics',
    members: ['SE'],
  });
  await call('GET', '/jurisdiction-groups/{groupId}', '/jurisdiction-groups/EU');
  await call('PATCH', '/jurisdiction-groups/{groupId}', '/jurisdiction-groups/NORDICS', { members: ['SE', 'NO'] });

  await call('GET', '/orgs/{orgId}/policy', '/orgs/beta/policy');
  await call('PUT', '/orgs/{orgId}/policy', '/orgs/acme/policy', {
    allowedJurisdictions: ['EU'],
    deniedJurisdictions: ['NORDICS'],
    denyAccelerators: [{ vendor: 'huawei' }, { type: 'MI300X' }],
    allowedModelLicenses: ['Apache-2.0', 'llama3.1'],
  });
  await call('GET', '/orgs/{orgId}/policy', '/orgs/acme/policy');
  await call('PUT', '/orgs/{orgId}/projects/{projectId}/policy', '/orgs/acme/projects/main/policy', {
    allowedJurisdictions: ['DE', 'FR'],
    requireAccelerators: [{ vendor: 'nvidia', type: 'H200' }],
  });
  await call('GET', '/orgs/{orgId}/projects/{projectId}/policy', '/orgs/acme/projects/main/policy');
  await call('GET', '/policy/changes', '/policy/changes');
  await call('POST', '/policy/explain', '/policy/explain', { organizationId: 'acme', modelId: 'fake-model' });
  await call('POST', '/policy/explain', '/policy/explain', {
    organizationId: 'acme',
    projectId: 'main',
    modelId: 'full-model',
  });
  await call('POST', '/policy/simulate', '/policy/simulate', { kind: 'rule_removal', ruleId: 'no-fr' });
  await call('POST', '/policy/simulate', '/policy/simulate', {
    kind: 'organization_policy',
    organizationId: 'acme',
    policy: { deniedJurisdictions: ['DE', 'FR'] },
  });

  await call('DELETE', '/orgs/{orgId}/projects/{projectId}/policy', '/orgs/acme/projects/main/policy');
  await call('DELETE', '/policy/rules/{ruleId}', '/policy/rules/no-fr');
  await call('PUT', '/orgs/{orgId}/policy', '/orgs/acme/policy', {});
  await call('DELETE', '/jurisdiction-groups/{groupId}', '/jurisdiction-groups/NORDICS');
}

async function callBilling(call: Call, adminSecret: string): Promise<void> {
  await call('GET', '/orgs/{orgId}/balance', '/orgs/acme/balance');
  await call('POST', '/orgs/{orgId}/credits', '/orgs/beta/credits', {
    amountMicro: 5_000_000,
    id: 'dep-b',
    memo: 'first',
  });
  await call('POST', '/orgs/{orgId}/credits', '/orgs/beta/credits', {
    amountMicro: 5_000_000,
    id: 'dep-b',
    memo: 'first',
  });
  await call('GET', '/orgs/{orgId}/statement', '/orgs/acme/statement');
  await call('GET', '/orgs/{orgId}/statement', '/orgs/acme/statement?since=2020-01-01&until=2999-01-01');
  await call('GET', '/orgs/{orgId}/statement', '/orgs/acme/statement?format=csv');

  await call('GET', '/orgs/{orgId}/budgets', '/orgs/acme/budgets');
  const budget = await call('POST', '/orgs/{orgId}/budgets', '/orgs/acme/budgets', {
    scope: 'project',
    scopeId: 'main',
    period: 'window',
    startsAt: '2020-01-01T00:00:00Z',
    endsAt: '2999-01-01T00:00:00Z',
    limitMicro: 1_000_000_000_000,
  });
  await call('GET', '/orgs/{orgId}/budgets', '/orgs/acme/budgets');
  await call('DELETE', '/orgs/{orgId}/budgets/{budgetId}', `/orgs/acme/budgets/${budget.id}`);

  const limit = { scope: 'project', scopeId: 'side', requestsPerMinute: 600, tokensPerMinute: null };
  await call('POST', '/orgs/{orgId}/rate-limits', '/orgs/acme/rate-limits', limit);
  await call('GET', '/orgs/{orgId}/rate-limits', '/orgs/acme/rate-limits');
  await call('POST', '/orgs/{orgId}/rate-limits', '/orgs/acme/rate-limits', { ...limit, requestsPerMinute: null });

  await call('GET', '/programs', '/programs');
  await call('POST', '/programs', '/programs', {
    id: 'nasf',
    name: 'National AI Startup Fund',
    defaultGrantMicro: 1_000_000,
    grantDurationDays: 90,
    eligibleModels: ['fake-model'],
    opensAt: '2020-01-01T00:00:00Z',
    closesAt: '2999-01-01T00:00:00Z',
  });
  await call('POST', '/programs', '/programs', {
    id: 'open',
    name: 'Open',
    defaultGrantMicro: 1,
    grantDurationDays: 1,
  });
  await call('GET', '/programs', '/programs');
  await call('POST', '/programs/{programId}/fund', '/programs/nasf/fund', { amountMicro: 10_000_000, id: 'fund-1' });
  await call('POST', '/programs/{programId}/fund', '/programs/nasf/fund', { amountMicro: 10_000_000, id: 'fund-1' });
  const mine = await call(
    'POST',
    '/orgs/{orgId}/applications',
    '/orgs/acme/applications',
    { programId: 'nasf', description: 'a startup\nwith two lines' },
    adminSecret,
  );
  const theirs = await call('POST', '/orgs/{orgId}/applications', '/orgs/beta/applications', {
    programId: 'nasf',
    description: 'another',
  });
  await call('GET', '/orgs/{orgId}/applications', '/orgs/acme/applications');
  await call('GET', '/programs/{programId}/applications', '/programs/nasf/applications');
  const approve = '/programs/{programId}/applications/{applicationId}/approve';
  await call('POST', approve, `/programs/nasf/applications/${mine.id}/approve`, { amountMicro: 2_000_000 });
  const reject = '/programs/{programId}/applications/{applicationId}/reject';
  await call('POST', reject, `/programs/nasf/applications/${theirs.id}/reject`, { reason: 'out of scope' });
  await call('GET', '/orgs/{orgId}/applications', '/orgs/acme/applications');
  await call('GET', '/programs/{programId}/report', '/programs/nasf/report');
  await call('GET', '/programs/{programId}/report', '/programs/nasf/report?format=csv');

  await callLedger(call);
}

async function callLedger(call: Call): Promise<void> {
  await call('GET', '/ledger/accounts', '/ledger/accounts');
  const single = { id: 't-1', debitAccountId: 'issuance', creditAccountId: 'org:beta', amountMicro: 7, memo: 'gift' };
  await call('POST', '/ledger/transfers', '/ledger/transfers', { ...single, code: 'correction' });
  await call('POST', '/ledger/transfers', '/ledger/transfers', { ...single, code: 'correction' });
  const hold = { debitAccountId: 'org:beta', creditAccountId: 'revenue', amountMicro: 3, timeoutMs: 600_000 };
  await call('POST', '/ledger/transfers', '/ledger/transfers', { ...hold, id: 'h-1' });
  await call('POST', '/ledger/transfers', '/ledger/transfers', { ...hold, id: 'h-2' });
  await call('POST', '/ledger/transfers/{transferId}/post', '/ledger/transfers/h-1/post', { id: 'h-1-post' });
  await call('POST', '/ledger/transfers/{transferId}/void', '/ledger/transfers/h-2/void', { id: 'h-2-void' });
  await call('POST', '/ledger/transfers/{transferId}/reverse', '/ledger/transfers/t-1/reverse', {
    id: 't-1-rev',
    memo: 'undo',
  });
  await call('GET', '/ledger/verify', '/ledger/verify');
  await call('POST', '/ledger/sweep', '/ledger/sweep');
}
