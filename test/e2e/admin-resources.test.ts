import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';
import { walkPages } from '../helpers/walk-pages.js';

let platform: TempPlatform;
before(async () => {
  platform = await startTempPlatform();
});
after(async () => platform.dispose());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Calls the admin API as the operator and asserts the status, showing the body when it differs. */
async function expectAdmin(method: Method, path: string, status: number, body?: unknown): Promise<any> {
  const answer = await callAdmin(platform.url, method, `/admin/v1${path}`, body === undefined ? {} : { body });
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function createOrg(id: string): Promise<void> {
  await expectAdmin('POST', '/orgs', 201, { id, name: `Org ${id}`, homeJurisdiction: 'DE' });
}

async function createModel(id: string): Promise<void> {
  await expectAdmin('POST', '/models', 201, { id, inputPriceMicroPerMtok: 100, outputPriceMicroPerMtok: 300 });
}

async function createSite(id: string): Promise<void> {
  await expectAdmin('POST', '/sites', 201, { id, name: `Site ${id}`, jurisdiction: 'FR' });
}

async function createDeployment(id: string, modelId: string, siteId: string): Promise<void> {
  await expectAdmin('POST', '/deployments', 201, {
    id,
    modelId,
    siteId,
    kind: 'openai',
    baseUrl: 'http://10.0.0.5:8000/v1',
  });
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

test('organizations: create, read, list, update and delete', async () => {
  const created = await expectAdmin('POST', '/orgs', 201, { id: 'crud-org', name: 'Crud Org', homeJurisdiction: 'DE' });
  assert.equal(created.object, 'organization');
  assert.equal(created.id, 'crud-org');
  assert.equal(created.name, 'Crud Org');
  assert.equal(created.homeJurisdiction, 'DE');
  assert.match(created.createdAt, isoTimestamp);

  const generated = await expectAdmin('POST', '/orgs', 201, { name: 'No Id Org', homeJurisdiction: 'NL' });
  assert.match(generated.id, /^org_[a-z0-9]{12}$/);

  assert.deepEqual(await expectAdmin('GET', '/orgs/crud-org', 200), created);
  const listed = await expectAdmin('GET', '/orgs', 200);
  assert.deepEqual(
    listed.data
      .filter((org: { id: string }) => org.id === 'crud-org' || org.id === generated.id)
      .map((org: { id: string }) => org.id)
      .sort(),
    ['crud-org', generated.id].sort(),
  );

  const patched = await expectAdmin('PATCH', '/orgs/crud-org', 200, { name: 'Renamed Org', homeJurisdiction: 'FR' });
  assert.equal(patched.name, 'Renamed Org');
  assert.equal(patched.homeJurisdiction, 'FR');
  assert.equal(patched.createdAt, created.createdAt);
  assert.deepEqual(await expectAdmin('GET', '/orgs/crud-org', 200), patched);

  assert.deepEqual(await expectAdmin('DELETE', '/orgs/crud-org', 200), {
    id: 'crud-org',
    object: 'organization',
    deleted: true,
  });
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/orgs/crud-org'), 404, 'not_found');
  assertAdminError(
    await callAdmin(platform.url, 'PATCH', '/admin/v1/orgs/crud-org', { body: { name: 'x' } }),
    404,
    'not_found',
  );
  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/crud-org'), 404, 'not_found');
});

test('projects: create, read, list, rename and delete inside an organization', async () => {
  await createOrg('proj-org');
  const created = await expectAdmin('POST', '/orgs/proj-org/projects', 201, { id: 'web', name: 'Website' });
  assert.equal(created.object, 'project');
  assert.equal(created.organizationId, 'proj-org');
  const generated = await expectAdmin('POST', '/orgs/proj-org/projects', 201, { name: 'Generated' });
  assert.match(generated.id, /^proj_[a-z0-9]{12}$/);

  assert.deepEqual(await expectAdmin('GET', '/orgs/proj-org/projects/web', 200), created);
  const listed = await expectAdmin('GET', '/orgs/proj-org/projects', 200);
  assert.deepEqual(listed.data.map((p: { id: string }) => p.id).sort(), [generated.id, 'web'].sort());

  const renamed = await expectAdmin('PATCH', '/orgs/proj-org/projects/web', 200, { name: 'Public website' });
  assert.equal(renamed.name, 'Public website');
  assert.equal(renamed.organizationId, 'proj-org');

  assert.deepEqual(await expectAdmin('DELETE', '/orgs/proj-org/projects/web', 200), {
    id: 'web',
    object: 'project',
    deleted: true,
  });
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/orgs/proj-org/projects/web'), 404, 'not_found');
  assertAdminError(
    await callAdmin(platform.url, 'PATCH', '/admin/v1/orgs/proj-org/projects/web', { body: { name: 'x' } }),
    404,
    'not_found',
  );
  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/proj-org/projects/web'), 404, 'not_found');
  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs/no-such-org/projects'),
    404,
    'not_found',
    'orgId',
  );
  assertAdminError(
    await callAdmin(platform.url, 'POST', '/admin/v1/orgs/no-such-org/projects', { body: { name: 'x' } }),
    404,
    'not_found',
    'orgId',
  );
});

test('keys: create, read, list and revoke; revocation keeps the record and is idempotent', async () => {
  await createOrg('key-org');
  await expectAdmin('POST', '/orgs/key-org/projects', 201, { id: 'app', name: 'App' });
  const projectKey = await expectAdmin('POST', '/orgs/key-org/keys', 201, {
    role: 'project',
    projectId: 'app',
    name: 'ci',
  });
  assert.equal(projectKey.object, 'api_key');
  assert.match(projectKey.id, /^key_[a-z0-9]{12}$/);
  assert.equal(projectKey.role, 'project');
  assert.equal(projectKey.projectId, 'app');
  assert.equal(projectKey.name, 'ci');
  assert.equal(projectKey.revokedAt, null);
  assert.equal(projectKey.expiresAt, null);
  const expiresAt = '2999-01-31T00:00:00+01:00';
  const adminKey = await expectAdmin('POST', '/orgs/key-org/keys', 201, { role: 'org_admin', expiresAt });
  assert.equal(adminKey.projectId, null);
  assert.equal(adminKey.expiresAt, new Date(expiresAt).toISOString());

  const { secret: _secret, ...visible } = projectKey;
  assert.deepEqual(await expectAdmin('GET', `/orgs/key-org/keys/${projectKey.id}`, 200), visible);
  const listed = await expectAdmin('GET', '/orgs/key-org/keys', 200);
  assert.deepEqual(listed.data.map((k: { id: string }) => k.id).sort(), [adminKey.id, projectKey.id].sort());
  const byProject = await expectAdmin('GET', '/orgs/key-org/keys?projectId=app', 200);
  assert.deepEqual(
    byProject.data.map((k: { id: string }) => k.id),
    [projectKey.id],
  );

  const revoked = await expectAdmin('DELETE', `/orgs/key-org/keys/${projectKey.id}`, 200);
  assert.equal(revoked.id, projectKey.id);
  assert.match(revoked.revokedAt, isoTimestamp);
  const again = await expectAdmin('DELETE', `/orgs/key-org/keys/${projectKey.id}`, 200);
  assert.equal(again.revokedAt, revoked.revokedAt, 'a second revocation must not move the revocation time');
  assert.equal((await expectAdmin('GET', `/orgs/key-org/keys/${projectKey.id}`, 200)).revokedAt, revoked.revokedAt);

  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs/key-org/keys/key_doesnotexist'),
    404,
    'not_found',
  );
  assertAdminError(
    await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/key-org/keys/key_doesnotexist'),
    404,
    'not_found',
  );
});

test('models: create, read, list, update and delete, including ids with a slash', async () => {
  const body = {
    id: 'meta-llama/Llama-3.1-8B',
    family: 'llama',
    origin: 'Meta',
    license: 'llama3.1',
    parameterCount: 8_030_000_000,
    contextLength: 131_072,
    inputPriceMicroPerMtok: 150_000,
    outputPriceMicroPerMtok: 600_000,
    tags: ['chat', 'open-weights'],
  };
  const created = await expectAdmin('POST', '/models', 201, body);
  assert.equal(created.object, 'model');
  for (const [field, value] of Object.entries(body)) assert.deepEqual(created[field], value, field);

  const path = `/models/${encodeURIComponent(body.id)}`;
  assert.deepEqual(await expectAdmin('GET', path, 200), created);
  const listed = await expectAdmin('GET', '/models', 200);
  assert.ok(listed.data.some((m: { id: string }) => m.id === body.id));

  const patched = await expectAdmin('PATCH', path, 200, { outputPriceMicroPerMtok: 700_000, tags: [], license: null });
  assert.equal(patched.outputPriceMicroPerMtok, 700_000);
  assert.equal(patched.inputPriceMicroPerMtok, 150_000, 'a field absent from the patch keeps its value');
  assert.deepEqual(patched.tags, []);
  assert.equal(patched.license, null);
  assert.deepEqual(await expectAdmin('GET', path, 200), patched);

  assert.deepEqual(await expectAdmin('DELETE', path, 200), { id: body.id, object: 'model', deleted: true });
  assertAdminError(await callAdmin(platform.url, 'GET', `/admin/v1${path}`), 404, 'not_found');
  assertAdminError(
    await callAdmin(platform.url, 'PATCH', `/admin/v1${path}`, { body: { family: 'x' } }),
    404,
    'not_found',
  );
  assertAdminError(await callAdmin(platform.url, 'DELETE', `/admin/v1${path}`), 404, 'not_found');
});

test('sites: create, read, list, update and delete', async () => {
  const body = {
    id: 'fra-1',
    name: 'Frankfurt 1',
    jurisdiction: 'DE',
    region: 'Hesse',
    city: 'Frankfurt',
    accelerators: [{ vendor: 'nvidia', type: 'H200', count: 64 }],
    powerKw: 1200,
  };
  const created = await expectAdmin('POST', '/sites', 201, body);
  assert.equal(created.object, 'site');
  for (const [field, value] of Object.entries(body)) assert.deepEqual(created[field], value, field);

  assert.deepEqual(await expectAdmin('GET', '/sites/fra-1', 200), created);
  assert.ok((await expectAdmin('GET', '/sites', 200)).data.some((s: { id: string }) => s.id === 'fra-1'));

  const patched = await expectAdmin('PATCH', '/sites/fra-1', 200, { jurisdiction: 'AT', city: null, accelerators: [] });
  assert.equal(patched.jurisdiction, 'AT');
  assert.equal(patched.city, null);
  assert.deepEqual(patched.accelerators, []);
  assert.equal(patched.name, 'Frankfurt 1');
  assert.deepEqual(await expectAdmin('GET', '/sites/fra-1', 200), patched);

  assert.deepEqual(await expectAdmin('DELETE', '/sites/fra-1', 200), { id: 'fra-1', object: 'site', deleted: true });
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/sites/fra-1'), 404, 'not_found');
  assertAdminError(
    await callAdmin(platform.url, 'PATCH', '/admin/v1/sites/fra-1', { body: { name: 'x' } }),
    404,
    'not_found',
  );
  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/sites/fra-1'), 404, 'not_found');
});

test('deployments: create, read, list with filters, update and delete', async () => {
  await createModel('dep-model');
  await createSite('dep-site');
  await createSite('dep-site-2');
  const created = await expectAdmin('POST', '/deployments', 201, {
    id: 'dep-1',
    modelId: 'dep-model',
    siteId: 'dep-site',
    kind: 'openai',
    baseUrl: 'http://10.0.0.5:8000/v1',
    upstreamModel: 'Qwen/Qwen2.5-7B-Instruct',
  });
  assert.equal(created.object, 'deployment');
  assert.equal(created.weight, 100);
  assert.equal(created.enabled, true);
  assert.equal(created.hasUpstreamApiKey, false);
  assert.equal(created.upstreamModel, 'Qwen/Qwen2.5-7B-Instruct');
  await createDeployment('dep-2', 'dep-model', 'dep-site-2');

  assert.deepEqual(await expectAdmin('GET', '/deployments/dep-1', 200), created);
  const bySite = await expectAdmin('GET', '/deployments?siteId=dep-site-2', 200);
  assert.deepEqual(
    bySite.data.map((d: { id: string }) => d.id),
    ['dep-2'],
  );
  const byModel = await expectAdmin('GET', '/deployments?modelId=dep-model', 200);
  assert.deepEqual(
    byModel.data.map((d: { id: string }) => d.id),
    ['dep-1', 'dep-2'],
  );

  const patched = await expectAdmin('PATCH', '/deployments/dep-1', 200, {
    weight: 7,
    enabled: false,
    baseUrl: 'https://gpu.example.org/v1',
  });
  assert.equal(patched.weight, 7);
  assert.equal(patched.enabled, false);
  assert.equal(patched.baseUrl, 'https://gpu.example.org/v1');
  assert.equal(patched.modelId, 'dep-model');
  assert.deepEqual(await expectAdmin('GET', '/deployments/dep-1', 200), patched);

  for (const id of ['dep-1', 'dep-2'])
    assert.deepEqual(await expectAdmin('DELETE', `/deployments/${id}`, 200), {
      id,
      object: 'deployment',
      deleted: true,
    });
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/deployments/dep-1'), 404, 'not_found');
  assertAdminError(
    await callAdmin(platform.url, 'PATCH', '/admin/v1/deployments/dep-1', { body: { weight: 1 } }),
    404,
    'not_found',
  );
  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/deployments/dep-1'), 404, 'not_found');
});

test('paging: five projects in pages of two are each seen exactly once', async () => {
  await createOrg('paging-org');
  const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
  // Created out of order, so that the listing order comes from the ids, not from insertion.
  for (const id of ['p4', 'p1', 'p5', 'p3', 'p2'])
    await expectAdmin('POST', '/orgs/paging-org/projects', 201, { id, name: id });

  const first = await expectAdmin('GET', '/orgs/paging-org/projects?limit=2', 200);
  assert.deepEqual(
    {
      ids: first.data.map((p: { id: string }) => p.id),
      first_id: first.first_id,
      last_id: first.last_id,
      has_more: first.has_more,
    },
    { ids: ['p1', 'p2'], first_id: 'p1', last_id: 'p2', has_more: true },
  );
  const second = await expectAdmin('GET', '/orgs/paging-org/projects?limit=2&after=p2', 200);
  assert.deepEqual(
    {
      ids: second.data.map((p: { id: string }) => p.id),
      first_id: second.first_id,
      last_id: second.last_id,
      has_more: second.has_more,
    },
    { ids: ['p3', 'p4'], first_id: 'p3', last_id: 'p4', has_more: true },
  );
  const last = await expectAdmin('GET', '/orgs/paging-org/projects?limit=2&after=p4', 200);
  assert.deepEqual(
    {
      ids: last.data.map((p: { id: string }) => p.id),
      first_id: last.first_id,
      last_id: last.last_id,
      has_more: last.has_more,
    },
    { ids: ['p5'], first_id: 'p5', last_id: 'p5', has_more: false },
  );
  const beyond = await expectAdmin('GET', '/orgs/paging-org/projects?limit=2&after=p5', 200);
  assert.deepEqual(beyond, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });

  const walked = await walkPages(platform.url, '/admin/v1/orgs/paging-org/projects', 2);
  assert.deepEqual(walked, { ids, pageCount: 3 });
  // An exact multiple of the limit must not end with an empty extra page.
  assert.deepEqual(await walkPages(platform.url, '/admin/v1/orgs/paging-org/projects', 5), { ids, pageCount: 1 });
});

test('paging: every list walks all items exactly once with limit=2', async () => {
  const org = 'walk-org';
  await createOrg(org);
  await expectAdmin('POST', `/orgs/${org}/projects`, 201, { id: 'walk-project', name: 'Walk' });
  const keyIds: string[] = [];
  const made: Record<string, string[]> = { orgs: [], models: [], sites: [], deployments: [] };
  for (let i = 1; i <= 5; i++) {
    await createOrg(`walk-org-${i}`);
    made.orgs!.push(`walk-org-${i}`);
    await createModel(`walk-model-${i}`);
    made.models!.push(`walk-model-${i}`);
    await createSite(`walk-site-${i}`);
    made.sites!.push(`walk-site-${i}`);
    await createDeployment(`walk-dep-${i}`, `walk-model-${i}`, `walk-site-${i}`);
    made.deployments!.push(`walk-dep-${i}`);
    keyIds.push(
      (await expectAdmin('POST', `/orgs/${org}/keys`, 201, { role: 'project', projectId: 'walk-project' })).id,
    );
  }

  const walkedKeys = await walkPages(platform.url, `/admin/v1/orgs/${org}/keys`, 2);
  assert.deepEqual(walkedKeys.ids, [...keyIds].sort());
  assert.equal(walkedKeys.pageCount, 3);

  // The global lists may hold records of other tests, so check that each created item appears exactly once.
  for (const [collection, ids] of Object.entries(made)) {
    const walked = await walkPages(platform.url, `/admin/v1/${collection}`, 2);
    const everything = (await expectAdmin('GET', `/${collection}?limit=200`, 200)).data.map(
      (item: { id: string }) => item.id,
    );
    assert.deepEqual(
      walked.ids,
      everything,
      `${collection}: walking pages of 2 must yield the same items as one big page`,
    );
    for (const id of ids) assert.equal(walked.ids.filter((seen) => seen === id).length, 1, `${collection}: ${id}`);
  }
});

test('an organization with projects or active keys cannot be deleted until they are gone', async () => {
  await createOrg('busy-org');
  await expectAdmin('POST', '/orgs/busy-org/projects', 201, { id: 'busy-project', name: 'Busy' });
  const adminKey = await expectAdmin('POST', '/orgs/busy-org/keys', 201, { role: 'org_admin' });

  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/busy-org'), 409, 'conflict');
  await expectAdmin('GET', '/orgs/busy-org', 200);
  await expectAdmin('GET', '/orgs/busy-org/projects/busy-project', 200);

  await expectAdmin('DELETE', '/orgs/busy-org/projects/busy-project', 200);
  const refused = await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/busy-org');
  assertAdminError(refused, 409, 'conflict');
  assert.match(refused.body.error.message, /active keys/);
  await expectAdmin('GET', '/orgs/busy-org', 200);

  await expectAdmin('DELETE', `/orgs/busy-org/keys/${adminKey.id}`, 200);
  await expectAdmin('DELETE', '/orgs/busy-org', 200);
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/orgs/busy-org'), 404, 'not_found');
  // The id is free again: nothing of the old organization lingers.
  await createOrg('busy-org');
  assert.deepEqual((await expectAdmin('GET', '/orgs/busy-org/keys', 200)).data, []);
});

test('a project with active keys cannot be deleted until they are revoked', async () => {
  await createOrg('keyed-org');
  await expectAdmin('POST', '/orgs/keyed-org/projects', 201, { id: 'keyed', name: 'Keyed' });
  const first = await expectAdmin('POST', '/orgs/keyed-org/keys', 201, { role: 'project', projectId: 'keyed' });
  const second = await expectAdmin('POST', '/orgs/keyed-org/keys', 201, { role: 'project', projectId: 'keyed' });

  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/keyed-org/projects/keyed'), 409, 'conflict');
  await expectAdmin('DELETE', `/orgs/keyed-org/keys/${first.id}`, 200);
  assertAdminError(await callAdmin(platform.url, 'DELETE', '/admin/v1/orgs/keyed-org/projects/keyed'), 409, 'conflict');
  await expectAdmin('GET', '/orgs/keyed-org/projects/keyed', 200);

  await expectAdmin('DELETE', `/orgs/keyed-org/keys/${second.id}`, 200);
  await expectAdmin('DELETE', '/orgs/keyed-org/projects/keyed', 200);
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/orgs/keyed-org/projects/keyed'), 404, 'not_found');
});

test('a model or site with deployments cannot be deleted until the deployments are gone', async () => {
  await createModel('used-model');
  await createSite('used-site');
  await createDeployment('uses-both', 'used-model', 'used-site');

  const modelRefused = await callAdmin(platform.url, 'DELETE', '/admin/v1/models/used-model');
  assertAdminError(modelRefused, 409, 'conflict');
  assert.match(modelRefused.body.error.message, /uses-both/);
  const siteRefused = await callAdmin(platform.url, 'DELETE', '/admin/v1/sites/used-site');
  assertAdminError(siteRefused, 409, 'conflict');
  assert.match(siteRefused.body.error.message, /uses-both/);
  await expectAdmin('GET', '/models/used-model', 200);
  await expectAdmin('GET', '/sites/used-site', 200);
  await expectAdmin('GET', '/deployments/uses-both', 200);

  await expectAdmin('DELETE', '/deployments/uses-both', 200);
  await expectAdmin('DELETE', '/models/used-model', 200);
  await expectAdmin('DELETE', '/sites/used-site', 200);
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/models/used-model'), 404, 'not_found');
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/sites/used-site'), 404, 'not_found');
});
