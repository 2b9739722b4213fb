import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { APIError, InternalServerError, NotFoundError, PermissionDeniedError } from 'openai';
import { callAdmin } from '../helpers/admin-client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { expectApiError, usageRecordOf } from '../helpers/gateway-calls.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';

/*
 * Residency end to end, through the real server and the official client: an EU-only
 * organization with deployments in France, Germany and the United States.
 */

const places = { 'dep-fr': 'FR', 'dep-de': 'DE', 'dep-us': 'US' } as const;
type DeploymentId = keyof typeof places;
/** Requests a test may send while waiting for the balancer to have used both EU deployments. */
const spreadAttemptsMax = 80;
const chat = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };

let platform: TempPlatform;
let upstreams: Record<DeploymentId, FakeUpstream>;
let euClient: OpenAI;
let usClient: OpenAI;

async function admin(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET', path: string, body?: unknown): Promise<any> {
  const answer = await callAdmin(platform.url, method, `/admin/v1${path}`, body === undefined ? {} : { body });
  assert.ok(answer.status < 300, `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function organizationWithKey(id: string, home: string): Promise<OpenAI> {
  await admin('POST', '/orgs', { id, name: id, homeJurisdiction: home });
  await admin('POST', `/orgs/${id}/projects`, { id: 'main', name: 'Main' });
  const key = await admin('POST', `/orgs/${id}/keys`, { role: 'project', projectId: 'main' });
  return new OpenAI({ apiKey: key.secret, baseURL: `${platform.url}/v1`, maxRetries: 0, timeout: 20_000 });
}

function chatRequestsAt(id: DeploymentId): number {
  return upstreams[id].chatRequests().length;
}

before(async () => {
  // Health checks would probe the upstreams on their own; here only requests may reach them.
  // Billing is another test's subject: off here, so that credits never decide an answer.
  platform = await startTempPlatform(undefined, { gateway: { healthCheckIntervalMs: 600_000 }, billing: 'off' });
  upstreams = {
    'dep-fr': await FakeUpstream.start(),
    'dep-de': await FakeUpstream.start(),
    'dep-us': await FakeUpstream.start(),
  };
  await admin('POST', '/models', { id: 'fake-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
  await admin('POST', '/models', { id: 'us-only-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
  for (const [deploymentId, jurisdiction] of Object.entries(places) as [DeploymentId, string][]) {
    await admin('POST', '/sites', { id: `site-${jurisdiction}`, name: jurisdiction, jurisdiction });
    await admin('POST', '/deployments', {
      id: deploymentId,
      modelId: 'fake-model',
      siteId: `site-${jurisdiction}`,
      kind: 'openai',
      baseUrl: upstreams[deploymentId].baseUrl,
    });
  }
  await admin('POST', '/deployments', {
    id: 'dep-us-only',
    modelId: 'us-only-model',
    siteId: 'site-US',
    kind: 'openai',
    baseUrl: upstreams['dep-us'].baseUrl,
  });
  euClient = await organizationWithKey('eu-agency', 'FR');
  usClient = await organizationWithKey('us-corp', 'US');
  await admin('PUT', '/orgs/eu-agency/policy', { allowedJurisdictions: ['EU'] });
});

after(async () => {
  await platform.dispose();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
});

test('an EU-only organization is served in France and Germany, never in the United States', async () => {
  const served = new Set<string>();
  const policyVersion = (await admin('GET', '/orgs/eu-agency/policy')).version;
  for (let i = 0; i < spreadAttemptsMax && served.size < 2; i++) {
    const { data, response } = await euClient.chat.completions.create(chat).withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello, world!');
    const deployment = response.headers.get('x-commonweal-deployment') as DeploymentId;
    assert.ok(deployment === 'dep-fr' || deployment === 'dep-de', `served by ${deployment}`);
    assert.equal(response.headers.get('x-commonweal-jurisdiction'), places[deployment]);
    served.add(deployment);
    const record = await usageRecordOf(platform.url, response.headers.get('x-request-id') ?? '');
    assert.deepEqual(
      [record?.jurisdiction, (record as { policyVersion?: number } | undefined)?.policyVersion],
      [places[deployment], policyVersion],
    );
  }
  assert.deepEqual([...served].sort(), ['dep-de', 'dep-fr']);
  assert.equal(chatRequestsAt('dep-us'), 0);
  // Another tenant without the restriction is served in the United States too.
  const { response } = await usClient.chat.completions.create({ ...chat, model: 'us-only-model' }).withResponse();
  assert.equal(response.headers.get('x-commonweal-jurisdiction'), 'US');
});

test('the models list holds only what the organization may use', async () => {
  const euModels: string[] = [];
  for await (const model of euClient.models.list()) euModels.push(model.id);
  assert.deepEqual(euModels, ['fake-model']);
  await expectApiError(euClient.models.retrieve('us-only-model'), NotFoundError, 404, 'model_not_found');
  const usModels: string[] = [];
  for await (const model of usClient.models.list()) usModels.push(model.id);
  assert.deepEqual(usModels.sort(), ['fake-model', 'us-only-model']);
  // Asking for it anyway says why, by policy clause.
  const denied = await expectApiError(
    euClient.chat.completions.create({ ...chat, model: 'us-only-model' }),
    PermissionDeniedError,
    403,
    'policy_denied',
  );
  assert.match(
    denied.message,
    /deployment "dep-us-only" at site "site-US" \(US\): organization policy: allowedJurisdictions \[EU\] does not include the site's jurisdiction US/,
  );
});

test('a project narrows its organization: France only', async () => {
  await admin('PUT', '/orgs/eu-agency/projects/main/policy', { allowedJurisdictions: ['FR', 'US'] });
  try {
    for (let i = 0; i < 10; i++) {
      const { response } = await euClient.chat.completions.create(chat).withResponse();
      assert.equal(
        response.headers.get('x-commonweal-deployment'),
        'dep-fr',
        'US stays excluded by the organization, DE by the project',
      );
    }
  } finally {
    await admin('DELETE', '/orgs/eu-agency/projects/main/policy');
  }
});

test('with France and Germany down, the answer is 503 no_compliant_deployment, and nothing goes to the United States', async () => {
  await upstreams['dep-fr'].close();
  await upstreams['dep-de'].close();
  const usBefore = chatRequestsAt('dep-us');
  // Enough requests to go through both failover and the circuits opening.
  for (let i = 0; i < 8; i++) {
    const error = await expectApiError(
      euClient.chat.completions.create(chat),
      InternalServerError,
      503,
      'no_compliant_deployment',
    );
    assert.match(error.message, /none of the 2 deployments the policy allows can serve right now/);
    const record = await usageRecordOf(platform.url, error.requestID ?? '');
    assert.deepEqual([record?.status, record?.errorCode], [503, 'no_compliant_deployment']);
    assert.notEqual(record?.jurisdiction, 'US');
  }
  const stream = await expectApiError(
    euClient.chat.completions.create({ ...chat, stream: true }),
    InternalServerError,
    503,
    'no_compliant_deployment',
  );
  assert.ok(stream);
  assert.equal(chatRequestsAt('dep-us'), usBefore, 'not one request reached the non-compliant site');
});

test('a rule that denies the model to a jurisdiction answers 403 naming the rule, and only for that jurisdiction', async () => {
  await admin('POST', '/policy/rules', {
    id: 'no-fake-model-for-eu',
    effect: 'deny',
    match: { modelIds: { in: ['fake-model'] }, organizationJurisdictions: { in: ['EU'] } },
    reason: 'fake-model is not licensed for EU tenants',
    reference: 'Licence agreement §4',
  });
  const error = await expectApiError(
    euClient.chat.completions.create(chat),
    PermissionDeniedError,
    403,
    'policy_denied',
  );
  assert.equal(error.param, 'model');
  assert.match(
    error.message,
    /deployment "dep-fr" at site "site-FR" \(FR\): rule "no-fake-model-for-eu" denies: fake-model is not licensed for EU tenants \(Licence agreement §4\)/,
  );
  assert.match(
    error.message,
    /deployment "dep-us" at site "site-US" \(US\): organization policy: allowedJurisdictions \[EU\] does not include/,
  );
  // Nothing of the other tenant is in it.
  assert.doesNotMatch(error.message, /us-corp/);
  const record = await usageRecordOf(platform.url, error.requestID ?? '');
  assert.deepEqual([record?.status, record?.outcome, record?.deploymentId], [403, 'rejected', null]);
  const { response } = await usClient.chat.completions.create(chat).withResponse();
  assert.equal(response.headers.get('x-commonweal-jurisdiction'), 'US');
  await admin('DELETE', '/policy/rules/no-fake-model-for-eu');
});

test('policy is decided before credits: a denied request is 403 even for an organization without credits', async () => {
  const billed = await startTempPlatform(undefined, { gateway: { healthCheckIntervalMs: 600_000 } });
  try {
    const call = async (path: string, body: unknown, method: 'POST' | 'PUT' = 'POST') => {
      const answer = await callAdmin(billed.url, method, `/admin/v1${path}`, { body });
      assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    await call('/orgs', { id: 'broke', name: 'Broke', homeJurisdiction: 'DE' });
    await call('/orgs/broke/projects', { id: 'main', name: 'Main' });
    const key = await call('/orgs/broke/keys', { role: 'project', projectId: 'main' });
    await call('/models', { id: 'fake-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
    await call('/sites', { id: 'fra', name: 'Frankfurt', jurisdiction: 'DE' });
    await call('/deployments', {
      id: 'dep-fra',
      modelId: 'fake-model',
      siteId: 'fra',
      kind: 'openai',
      baseUrl: upstreams['dep-us'].baseUrl,
    });
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${billed.url}/v1`, maxRetries: 0, timeout: 20_000 });
    await expectApiError(client.chat.completions.create(chat), APIError, 402, 'insufficient_credits');
    await call('/orgs/broke/policy', { allowedJurisdictions: [] }, 'PUT');
    await expectApiError(client.chat.completions.create(chat), PermissionDeniedError, 403, 'policy_denied');
  } finally {
    await billed.dispose();
  }
});
