import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callAdmin, type JsonAnswer } from '../helpers/admin-client.js';
import {
  type AdminRoute,
  adminRouteTable,
  routeLabel,
  routePath,
  type RouteTargets,
} from '../helpers/admin-route-table.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';

interface SeededOrg {
  readonly targets: RouteTargets;
  readonly orgAdminSecret: string;
  readonly projectKeySecret: string;
  /** Every id, name and key prefix of the organization, none of which may reach another tenant. */
  readonly privateValues: readonly string[];
}

let platform: TempPlatform;
let orgA: SeededOrg;
let orgB: SeededOrg;

async function operator(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  status: number,
  body?: unknown,
): Promise<any> {
  const answer = await callAdmin(platform.url, method, `/admin/v1${path}`, body === undefined ? {} : { body });
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** An organization with two projects, an org admin key and project keys, as the operator sets one up. */
async function seedOrganization(
  orgId: string,
  catalog: { modelId: string; siteId: string; deploymentId: string },
): Promise<SeededOrg> {
  await operator('POST', '/orgs', 201, { id: orgId, name: `${orgId} Corporation`, homeJurisdiction: 'DE' });
  const main = await operator('POST', `/orgs/${orgId}/projects`, 201, {
    id: `${orgId}-main`,
    name: `${orgId} main project`,
  });
  const side = await operator('POST', `/orgs/${orgId}/projects`, 201, {
    id: `${orgId}-side`,
    name: `${orgId} side project`,
  });
  const orgAdmin = await operator('POST', `/orgs/${orgId}/keys`, 201, {
    role: 'org_admin',
    name: `${orgId} admin key`,
  });
  const projectKey = await operator('POST', `/orgs/${orgId}/keys`, 201, {
    role: 'project',
    projectId: main.id,
    name: `${orgId} main key`,
  });
  const sideKey = await operator('POST', `/orgs/${orgId}/keys`, 201, {
    role: 'project',
    projectId: side.id,
    name: `${orgId} side key`,
  });
  return {
    targets: { orgId, projectId: main.id, keyId: projectKey.id, ...catalog },
    orgAdminSecret: orgAdmin.secret,
    projectKeySecret: projectKey.secret,
    privateValues: [
      orgId,
      `${orgId} Corporation`,
      main.id,
      main.name,
      side.id,
      side.name,
      ...[orgAdmin, projectKey, sideKey].flatMap((key) => [key.id, key.name, key.prefix, key.secret]),
    ],
  };
}

before(async () => {
  platform = await startTempPlatform();
  const catalog = { modelId: 'shared-model', siteId: 'shared-site', deploymentId: 'shared-deployment' };
  await operator('POST', '/models', 201, {
    id: catalog.modelId,
    inputPriceMicroPerMtok: 5,
    outputPriceMicroPerMtok: 10,
  });
  await operator('POST', '/sites', 201, { id: catalog.siteId, name: 'Shared site', jurisdiction: 'DE' });
  await operator('POST', '/deployments', 201, {
    id: catalog.deploymentId,
    modelId: catalog.modelId,
    siteId: catalog.siteId,
    kind: 'openai',
    baseUrl: 'http://10.1.2.3:8000/v1',
  });
  orgA = await seedOrganization('acme', catalog);
  orgB = await seedOrganization('globex', catalog);
});
after(async () => platform.dispose());

function call(route: AdminRoute, targets: RouteTargets, token: string): Promise<JsonAnswer> {
  const body = route.body?.(targets);
  return callAdmin(
    platform.url,
    route.method,
    routePath(route, targets),
    body === undefined ? { token } : { body, token },
  );
}

/** Everything the operator can see of an organization, to prove that a refused call changed none of it. */
async function organizationState(orgId: string): Promise<unknown> {
  return {
    org: await operator('GET', `/orgs/${orgId}`, 200),
    projects: await operator('GET', `/orgs/${orgId}/projects?limit=200`, 200),
    keys: await operator('GET', `/orgs/${orgId}/keys?limit=200`, 200),
  };
}

async function catalogState(): Promise<unknown> {
  return {
    orgs: await operator('GET', '/orgs?limit=200', 200),
    models: await operator('GET', '/models?limit=200', 200),
    sites: await operator('GET', '/sites?limit=200', 200),
    deployments: await operator('GET', '/deployments?limit=200', 200),
  };
}

function occurrences(text: string, value: string): number {
  return text.split(value).length - 1;
}

/**
 * Asserts that an answer holds none of B's private values beyond the ids the caller
 * itself sent. A value may still appear inside a sent id (the organization id
 * "globex" inside the project id "globex-main"), so each occurrence must be accounted
 * for by an occurrence of a sent id that contains it.
 */
function assertNoLeak(answer: JsonAnswer, sentIds: readonly string[], label: string): void {
  const text = JSON.stringify(answer.body);
  for (const value of orgB.privateValues) {
    if (sentIds.includes(value)) continue;
    const explained = sentIds
      .filter((id) => id.includes(value))
      .reduce((n, id) => n + occurrences(text, id) * occurrences(id, value), 0);
    assert.equal(occurrences(text, value), explained, `${label} leaked "${value}": ${text}`);
  }
}

/** The target ids that appear in a request path. */
function idsInPath(path: string, targets: RouteTargets): string[] {
  return Object.values(targets).filter((id) => path.split('/').includes(encodeURIComponent(id)));
}

/** Replaces each target id in an answer with its parameter name, so answers about different records compare equal. */
function withIdsNamed(answer: JsonAnswer, targets: RouteTargets): string {
  let text = JSON.stringify(answer.body);
  for (const [name, value] of Object.entries(targets)) text = text.replaceAll(value, `{${name}}`);
  return text;
}

test('the route table covers every operation in the OpenAPI document', async () => {
  const document = await callAdmin(platform.url, 'GET', '/admin/v1/openapi.json', { token: null });
  assert.equal(document.status, 200);
  const documented = Object.entries(document.body.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/^\/admin\/v1/, '')}`),
  );
  assert.ok(documented.length > 0);
  assert.deepEqual(adminRouteTable.map(routeLabel).sort(), documented.sort());
});

test('an org admin gets 404 on every route into another organization, exactly as if it did not exist', async () => {
  const ghost: RouteTargets = {
    ...orgB.targets,
    orgId: 'ghost-org',
    projectId: 'ghost-project',
    keyId: 'key_ghostghostgh',
  };
  const stateBefore = await organizationState(orgB.targets.orgId);
  const orgRoutes = adminRouteTable.filter((route) => route.access === 'org' || route.access === 'org-operator');
  assert.ok(orgRoutes.length >= 12, 'every route below /orgs/{orgId} is in the loop');
  for (const route of orgRoutes) {
    const label = routeLabel(route);
    const answer = await call(route, orgB.targets, orgA.orgAdminSecret);
    assertAdminError(answer, 404, 'not_found', 'orgId');
    assertNoLeak(answer, idsInPath(routePath(route, orgB.targets), orgB.targets), label);
    const absent = await call(route, ghost, orgA.orgAdminSecret);
    assert.equal(
      withIdsNamed(answer, orgB.targets),
      withIdsNamed(absent, ghost),
      `${label}: another organization must look absent`,
    );
  }
  assert.deepEqual(
    await organizationState(orgB.targets.orgId),
    stateBefore,
    "B's organization was changed through A's key",
  );
  // B's keys still work, so none was revoked behind the list's back.
  assert.equal(
    (await callAdmin(platform.url, 'GET', '/admin/v1/orgs/globex', { token: orgB.orgAdminSecret })).status,
    200,
  );
});

test('an org admin lists only its own organization', async () => {
  const token = orgA.orgAdminSecret;
  const listed = await callAdmin(platform.url, 'GET', '/admin/v1/orgs', { token });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.data.map((org: { id: string }) => org.id),
    ['acme'],
  );
  assert.equal(listed.body.has_more, false);
  assert.ok(!JSON.stringify(listed.body).includes('globex'));
  // Paging past its own organization must not walk into others.
  const pastOwn = await callAdmin(platform.url, 'GET', '/admin/v1/orgs?after=acme&limit=1', { token });
  assert.deepEqual(pastOwn.body, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  const fromStart = await callAdmin(platform.url, 'GET', '/admin/v1/orgs?after=a&limit=1', { token });
  assert.deepEqual(
    fromStart.body.data.map((org: { id: string }) => org.id),
    ['acme'],
  );
  assert.equal(fromStart.body.has_more, false);
  // The operator, by contrast, sees both.
  const all = (await operator('GET', '/orgs', 200)).data.map((org: { id: string }) => org.id);
  assert.ok(all.includes('acme') && all.includes('globex'));
});

test("an org admin cannot reach another organization's records through its own organization's URLs", async () => {
  const token = orgA.orgAdminSecret;
  const stateBefore = await organizationState('globex');
  const keysOfABefore = await operator('GET', '/orgs/acme/keys?limit=200', 200);
  const bProject = orgB.targets.projectId;
  const bKey = orgB.targets.keyId;
  const attempts: [string, 'GET' | 'PATCH' | 'DELETE', string, unknown?][] = [
    ['read project', 'GET', `/admin/v1/orgs/acme/projects/${bProject}`],
    ['rename project', 'PATCH', `/admin/v1/orgs/acme/projects/${bProject}`, { name: 'Hijacked' }],
    // B's project has an active key: the answer must still be 404, not a 409 that reveals it.
    ['delete project', 'DELETE', `/admin/v1/orgs/acme/projects/${bProject}`],
    ['read key', 'GET', `/admin/v1/orgs/acme/keys/${bKey}`],
    ['revoke key', 'DELETE', `/admin/v1/orgs/acme/keys/${bKey}`],
  ];
  for (const [label, method, path, body] of attempts) {
    const answer = await callAdmin(platform.url, method, path, body === undefined ? { token } : { body, token });
    assertAdminError(answer, 404, 'not_found');
    const ghost = await callAdmin(
      platform.url,
      method,
      path.replace(bProject, 'ghost-project').replace(bKey, 'key_ghostghostgh'),
      body === undefined ? { token } : { body, token },
    );
    assert.equal(
      JSON.stringify(answer.body).replace(bProject, 'ID').replace(bKey, 'ID'),
      JSON.stringify(ghost.body).replace('ghost-project', 'ID').replace('key_ghostghostgh', 'ID'),
      label,
    );
  }
  const filtered = await callAdmin(platform.url, 'GET', `/admin/v1/orgs/acme/keys?projectId=${bProject}`, { token });
  assert.deepEqual(filtered.body.data, []);
  const attach = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/acme/keys', {
    token,
    body: { role: 'project', projectId: bProject },
  });
  assertAdminError(attach, 400, 'invalid_request', 'projectId');
  assertNoLeak(attach, [bProject], "attach a key to B's project");
  assert.deepEqual(await operator('GET', '/orgs/acme/keys?limit=200', 200), keysOfABefore);
  assert.deepEqual(await organizationState('globex'), stateBefore);
});

test("creating a project with another organization's project id does not reveal that the id exists", async () => {
  const answer = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/acme/projects', {
    token: orgA.orgAdminSecret,
    body: { id: orgB.targets.projectId, name: 'Same id, other tenant' },
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  const removed = await callAdmin(platform.url, 'DELETE', `/admin/v1/orgs/acme/projects/${orgB.targets.projectId}`, {
    token: orgA.orgAdminSecret,
  });
  assert.equal(removed.status, 200, 'the same id names a separate project in each organization');
  assert.equal(
    (await callAdmin(platform.url, 'GET', `/admin/v1/orgs/globex/projects/${orgB.targets.projectId}`)).status,
    200,
  );
});

test('an org admin gets 403 on operator-only routes, may read the catalog, and changes nothing', async () => {
  const before = await catalogState();
  const stateOfA = await organizationState('acme');
  for (const route of adminRouteTable) {
    const label = routeLabel(route);
    if (route.access === 'operator') {
      assertAdminError(await call(route, orgA.targets, orgA.orgAdminSecret), 403, 'forbidden', null);
    } else if (route.access === 'org-operator') {
      // Its own organization exists for it, so the answer is 403 rather than 404.
      assertAdminError(await call(route, orgA.targets, orgA.orgAdminSecret), 403, 'forbidden', null);
    } else if (route.access === 'catalog-read') {
      const answer = await call(route, orgA.targets, orgA.orgAdminSecret);
      assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.body)}`);
    }
  }
  assert.deepEqual(await catalogState(), before);
  assert.deepEqual(await organizationState('acme'), stateOfA);
  for (const path of ['/models/intruder-model', '/sites/intruder-site', '/deployments/intruder-deployment']) {
    assertAdminError(await callAdmin(platform.url, 'GET', `/admin/v1${path}`), 404, 'not_found');
  }
});

test('an org admin manages its own organization: projects, project keys and further org admin keys', async () => {
  const token = orgA.orgAdminSecret;
  const asA = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) =>
    callAdmin(platform.url, method, `/admin/v1${path}`, body === undefined ? { token } : { body, token });

  assert.equal((await asA('GET', '/orgs/acme')).body.id, 'acme');
  const project = await asA('POST', '/orgs/acme/projects', { id: 'acme-new', name: 'New project' });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  assert.equal(project.body.organizationId, 'acme');
  assert.equal((await asA('PATCH', '/orgs/acme/projects/acme-new', { name: 'Renamed' })).body.name, 'Renamed');
  const projects = (await asA('GET', '/orgs/acme/projects')).body.data.map((p: { id: string }) => p.id);
  assert.deepEqual(projects, ['acme-main', 'acme-new', 'acme-side']);

  const projectKey = await asA('POST', '/orgs/acme/keys', { role: 'project', projectId: 'acme-new' });
  assert.equal(projectKey.status, 201, JSON.stringify(projectKey.body));
  assert.match(projectKey.body.secret, /^cw_live_/);
  // A project key is valid but not for this API.
  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs/acme', { token: projectKey.body.secret }),
    403,
    'forbidden',
  );

  const secondAdmin = await asA('POST', '/orgs/acme/keys', { role: 'org_admin', name: 'deputy' });
  assert.equal(secondAdmin.status, 201, JSON.stringify(secondAdmin.body));
  const deputy = await callAdmin(platform.url, 'GET', '/admin/v1/orgs/acme/keys', { token: secondAdmin.body.secret });
  assert.equal(deputy.status, 200);
  assert.ok(deputy.body.data.some((k: { id: string }) => k.id === projectKey.body.id));
  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs/globex', { token: secondAdmin.body.secret }),
    404,
    'not_found',
  );

  assert.equal((await asA('DELETE', `/orgs/acme/keys/${projectKey.body.id}`)).status, 200);
  assert.equal((await asA('DELETE', '/orgs/acme/projects/acme-new')).status, 200);
  assert.equal((await asA('DELETE', `/orgs/acme/keys/${secondAdmin.body.id}`)).status, 200);
  assertAdminError(
    await callAdmin(platform.url, 'GET', '/admin/v1/orgs/acme', { token: secondAdmin.body.secret }),
    401,
    'invalid_admin_token',
  );
});

test('a project key gets 403 forbidden on every admin route, its own organization or another', async () => {
  const before = await catalogState();
  for (const targets of [orgA.targets, orgB.targets]) {
    for (const route of adminRouteTable) {
      const answer = await call(route, targets, orgA.projectKeySecret);
      assertAdminError(answer, 403, 'forbidden', null);
      assert.equal(answer.body.error.type, 'permission_error', routeLabel(route));
    }
  }
  assert.deepEqual(await catalogState(), before);
});

test('revoked and expired keys, and missing or wrong tokens, get 401 on every admin route', async () => {
  const revokedAdmin = await operator('POST', '/orgs/acme/keys', 201, { role: 'org_admin' });
  const revokedProject = await operator('POST', '/orgs/acme/keys', 201, { role: 'project', projectId: 'acme-main' });
  const expiredAdmin = await operator('POST', '/orgs/acme/keys', 201, {
    role: 'org_admin',
    expiresAt: '2999-01-01T00:00:00Z',
  });
  const expiredProject = await operator('POST', '/orgs/acme/keys', 201, {
    role: 'project',
    projectId: 'acme-main',
    expiresAt: '2999-01-01T00:00:00Z',
  });

  // Each key works (or is refused as a project key) before it is revoked or expires, so the 401 below is caused by that.
  for (const key of [revokedAdmin, expiredAdmin]) {
    assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/orgs/acme', { token: key.secret })).status, 200);
  }
  for (const key of [revokedProject, expiredProject]) {
    assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/orgs/acme', { token: key.secret })).status, 403);
  }
  for (const key of [revokedAdmin, revokedProject]) await operator('DELETE', `/orgs/acme/keys/${key.id}`, 200);
  // Expiry is set in the past directly in the store, so the test needs no clock and no waiting.
  await platform.store.db
    .updateTable('apiKeys')
    .set({ expiresAt: '2001-01-01T00:00:00.000Z' })
    .where('id', 'in', [expiredAdmin.id, expiredProject.id])
    .execute();

  const before = await catalogState();
  const tokens: [string, string | null][] = [
    ['revoked org admin key', revokedAdmin.secret],
    ['revoked project key', revokedProject.secret],
    ['expired org admin key', expiredAdmin.secret],
    ['expired project key', expiredProject.secret],
    ['no token', null],
    ['wrong token', 'cw_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ];
  for (const [label, token] of tokens) {
    for (const route of adminRouteTable) {
      const body = route.body?.(orgA.targets);
      const options = body === undefined ? { token } : { body, token };
      const answer = await callAdmin(platform.url, route.method, routePath(route, orgA.targets), options);
      assertAdminError(answer, 401, 'invalid_admin_token', null);
      assert.equal(answer.body.error.type, 'authentication_error', `${label} on ${routeLabel(route)}`);
    }
  }
  assert.deepEqual(await catalogState(), before);
});
