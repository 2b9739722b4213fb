import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callAdmin, type JsonAnswer } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

let platform: TempPlatform;
let acmeAdmin: string;

function call(method: Method, path: string, body?: unknown, token?: string): Promise<JsonAnswer> {
  return callAdmin(platform.url, method, `/admin/v1${path}`, {
    ...(body === undefined ? {} : { body }),
    ...(token === undefined ? {} : { token }),
  });
}

async function ok(method: Method, path: string, body?: unknown, token?: string): Promise<any> {
  const answer = await call(method, path, body, token);
  assert.ok(answer.status < 300, `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

before(async () => {
  platform = await startTempPlatform(undefined, { billing: 'off' });
  for (const [id, home] of [
    ['acme', 'DE'],
    ['globex', 'US'],
  ]) {
    await ok('POST', '/orgs', { id, name: id, homeJurisdiction: home });
    await ok('POST', `/orgs/${id}/projects`, { id: `${id}-main`, name: 'Main' });
  }
  acmeAdmin = (await ok('POST', '/orgs/acme/keys', { role: 'org_admin' })).secret;
  await ok('POST', '/models', { id: 'm', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
  for (const [id, jurisdiction] of [
    ['fra', 'DE'],
    ['par', 'FR'],
    ['osl', 'NO'],
    ['sjc', 'US'],
  ]) {
    await ok('POST', '/sites', { id, name: id, jurisdiction });
    await ok('POST', '/deployments', {
      id: `m-${id}`,
      modelId: 'm',
      siteId: id,
      kind: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
    });
  }
});
after(async () => platform.dispose());

describe('jurisdiction groups', () => {
  it('lists the built-in groups with the countries they cover, to org admins too', async () => {
    const list = await ok('GET', '/jurisdiction-groups?limit=200', undefined, acmeAdmin);
    const eea = list.data.find((g: { id: string }) => g.id === 'EEA');
    assert.deepEqual([eea.builtIn, eea.members.includes('EU'), eea.countries.length], [true, true, 30]);
    assert.ok(list.data.some((g: { id: string }) => g.id === 'AFRICAN_UNION'));
    assertAdminError(
      await call('POST', '/jurisdiction-groups', { id: 'MINE', name: 'Mine', members: ['DE'] }, acmeAdmin),
      403,
      'forbidden',
    );
  });

  it('nest: an operator group may contain its own groups and built-in ones', async () => {
    await ok('POST', '/jurisdiction-groups', {
      id: 'NORDICS',
      name: 'Nordic countries',
      members: ['DK', 'FI', 'IS', 'NO', 'SE'],
    });
    const partners = await call('POST', '/jurisdiction-groups', {
      id: 'PARTNERS',
      name: 'Partners',
      members: ['NORDICS', 'EEA', 'CH'],
    });
    assert.equal(partners.status, 201, JSON.stringify(partners.body));
    assert.deepEqual(
      [partners.body.builtIn, partners.body.countries.length],
      [false, 31],
      'the EEA already holds the Nordics; Switzerland adds one',
    );
    for (const country of ['SE', 'AT', 'CH', 'NO']) assert.ok(partners.body.countries.includes(country), country);
    assert.equal((await ok('GET', '/jurisdiction-groups/PARTNERS', undefined, acmeAdmin)).id, 'PARTNERS');
  });

  it('refuse unknown codes, loops, built-in and two-letter ids with a clear error', async () => {
    const unknown = await call('POST', '/jurisdiction-groups', { id: 'ALLIES', name: 'Allies', members: ['GB', 'UK'] });
    assertAdminError(unknown, 400, 'invalid_request', 'members');
    assert.equal(
      unknown.body.error.message,
      'members: group ALLIES: member "UK" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group',
    );
    const loop = await call('PATCH', '/jurisdiction-groups/NORDICS', { members: ['DK', 'PARTNERS'] });
    assertAdminError(loop, 400, 'invalid_request', 'members');
    assert.match(loop.body.error.message, /contains itself/);
    assertAdminError(
      await call('POST', '/jurisdiction-groups', { id: 'EU', name: 'Mine', members: ['DE'] }),
      400,
      'invalid_request',
      'id',
    );
    assertAdminError(
      await call('POST', '/jurisdiction-groups', { id: 'XK', name: 'Two letters', members: ['DE'] }),
      400,
      'invalid_request',
      'id',
    );
    assertAdminError(
      await call('POST', '/jurisdiction-groups', { id: 'lower', name: 'Lower', members: ['DE'] }),
      400,
      'invalid_request',
      'id',
    );
    assertAdminError(await call('DELETE', '/jurisdiction-groups/NORDICS'), 409, 'conflict');
    assertAdminError(await call('GET', '/jurisdiction-groups/NOPE'), 404, 'not_found');
  });
});

describe('residency policies', () => {
  it('an organization starts with the server default, recorded as a version; its org admin may read it, not change it', async () => {
    const policy = await ok('GET', '/orgs/acme/policy', undefined, acmeAdmin);
    assert.deepEqual([policy.source, policy.allowedJurisdictions, typeof policy.version], ['stored', null, 'number']);
    assertAdminError(
      await call('PUT', '/orgs/acme/policy', { allowedJurisdictions: ['US'] }, acmeAdmin),
      403,
      'forbidden',
    );
    assertAdminError(await call('GET', '/orgs/globex/policy', undefined, acmeAdmin), 404, 'not_found', 'orgId');
    assert.deepEqual(
      (await ok('GET', '/orgs/acme/policy')).allowedJurisdictions,
      null,
      'the refused change changed nothing',
    );
  });

  it('the operator sets it, and unknown codes are refused by name', async () => {
    const bad = await call('PUT', '/orgs/acme/policy', { allowedJurisdictions: ['PARTNERS', 'ATLANTIS'] });
    assertAdminError(bad, 400, 'invalid_request', 'allowedJurisdictions');
    assert.match(bad.body.error.message, /"ATLANTIS"/);
    const set = await ok('PUT', '/orgs/acme/policy', {
      allowedJurisdictions: ['PARTNERS'],
      deniedJurisdictions: ['FR'],
    });
    assert.deepEqual(
      [set.allowedJurisdictions, set.deniedJurisdictions, set.requireAccelerators],
      [['PARTNERS'], ['FR'], []],
    );
  });

  it("an org admin narrows its own projects' policies, and no other organization's", async () => {
    const set = await call(
      'PUT',
      '/orgs/acme/projects/acme-main/policy',
      { allowedJurisdictions: ['NO', 'US'] },
      acmeAdmin,
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual([set.body.projectId, set.body.allowedJurisdictions], ['acme-main', ['NO', 'US']]);
    assertAdminError(
      await call('PUT', '/orgs/globex/projects/globex-main/policy', {}, acmeAdmin),
      404,
      'not_found',
      'orgId',
    );
    assertAdminError(await call('PUT', '/orgs/acme/projects/globex-main/policy', {}, acmeAdmin), 404, 'not_found');
    // US stays out: a project policy is applied on top of its organization's.
    const explained = await ok(
      'POST',
      '/policy/explain',
      { organizationId: 'acme', projectId: 'acme-main', modelId: 'm' },
      acmeAdmin,
    );
    const verdicts = Object.fromEntries(
      explained.deployments.map((d: { deploymentId: string; allowed: boolean; exclusions: { source: string }[] }) => [
        d.deploymentId,
        [d.allowed, d.exclusions.map((e) => e.source)],
      ]),
    );
    assert.deepEqual(verdicts, {
      'm-fra': [false, ['project_policy']],
      'm-osl': [true, []],
      'm-par': [false, ['organization_policy', 'project_policy']],
      'm-sjc': [false, ['organization_policy']],
    });
    assert.deepEqual([explained.served, explained.policies], [true, { organization: 'stored', project: 'stored' }]);
    await ok('DELETE', '/orgs/acme/projects/acme-main/policy', undefined, acmeAdmin);
    assertAdminError(await call('GET', '/orgs/acme/projects/acme-main/policy', undefined, acmeAdmin), 404, 'not_found');
  });

  it('explain answers an org admin about its own organization only, as if others did not exist', async () => {
    const other = await call('POST', '/policy/explain', { organizationId: 'globex', modelId: 'm' }, acmeAdmin);
    const ghost = await call('POST', '/policy/explain', { organizationId: 'ghost', modelId: 'm' }, acmeAdmin);
    assertAdminError(other, 404, 'not_found', 'organizationId');
    assert.equal(JSON.stringify(other.body).replace('globex', 'X'), JSON.stringify(ghost.body).replace('ghost', 'X'));
    assertAdminError(
      await call('POST', '/policy/explain', { organizationId: 'acme', modelId: 'nope' }),
      404,
      'not_found',
    );
    assert.equal(
      (await ok('POST', '/policy/explain', { organizationId: 'globex', modelId: 'm' })).allowedDeployments,
      4,
    );
  });

  it('every change is versioned with who, when, before and after; an org admin reads only its own history', async () => {
    const all = (await ok('GET', '/policy/changes?limit=200')).data;
    const versions = all.map((c: { version: number }) => c.version);
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
    );
    const own = (await ok('GET', '/policy/changes?limit=200', undefined, acmeAdmin)).data;
    assert.ok(own.length >= 4 && own.every((c: { organizationId: string }) => c.organizationId === 'acme'));
    const projectChanges = own.filter((c: { kind: string }) => c.kind === 'project_policy');
    assert.deepEqual(
      projectChanges.map((c: { actor: string; before: unknown; after: unknown }) => [
        c.actor.startsWith('org_admin:key_'),
        c.before === null,
        c.after === null,
      ]),
      [
        [true, true, false],
        [true, false, true],
      ],
    );
    assert.ok(
      all.some((c: { kind: string; actor: string }) => c.kind === 'jurisdiction_group' && c.actor === 'operator'),
    );
    assertAdminError(
      await call('GET', '/policy/changes?organizationId=globex', undefined, acmeAdmin),
      404,
      'not_found',
      'organizationId',
    );
  });
});

describe('rules and simulation', () => {
  it('simulate reports who would lose service before a rule is saved; the operator alone may', async () => {
    const change = {
      kind: 'rule',
      rule: {
        id: 'm-not-for-us',
        effect: 'deny',
        match: { modelIds: { in: ['m'] }, organizationJurisdictions: { in: ['US'] } },
        reason: 'no',
      },
    };
    assertAdminError(await call('POST', '/policy/simulate', change, acmeAdmin), 403, 'forbidden');
    const simulation = await ok('POST', '/policy/simulate', change);
    assert.deepEqual(
      simulation.losing.map((s: { organizationId: string; modelId: string }) => [s.organizationId, s.modelId]),
      [['globex', 'm']],
    );
    assert.equal((await ok('GET', '/policy/rules')).data.length, 0, 'simulating saved nothing');
  });

  it('are kept in order: created last or at a position, moved, removed', async () => {
    for (const id of ['first', 'second'])
      await ok('POST', '/policy/rules', {
        id,
        effect: 'deny',
        match: { siteJurisdictions: { in: ['CN'] } },
        reason: id,
      });
    const early = await call('POST', '/policy/rules', {
      id: 'early',
      effect: 'allow',
      match: {},
      reason: 'exception',
      reference: 'ref',
      position: 0,
    });
    assert.equal(early.status, 201, JSON.stringify(early.body));
    assert.deepEqual([early.body.position, early.body.reference], [0, 'ref']);
    await ok('PATCH', '/policy/rules/first', { position: 2 });
    const order = (await ok('GET', '/policy/rules')).data.map(
      (r: { id: string; position: number }) => `${r.position}:${r.id}`,
    );
    assert.deepEqual(order, ['0:early', '1:second', '2:first']);
    assertAdminError(
      await call('POST', '/policy/rules', { id: 'first', effect: 'deny', match: {}, reason: 'again' }),
      409,
      'already_exists',
      'id',
    );
    assertAdminError(
      await call('POST', '/policy/rules', {
        id: 'bad',
        effect: 'deny',
        match: { siteJurisdictions: { in: ['CN'], notIn: ['DE'] } },
        reason: 'x',
      }),
      400,
      'invalid_request',
    );
    assertAdminError(await call('GET', '/policy/rules', undefined, acmeAdmin), 403, 'forbidden');
    for (const id of ['early', 'second', 'first']) await ok('DELETE', `/policy/rules/${id}`);
    assertAdminError(await call('DELETE', '/policy/rules/first'), 404, 'not_found');
  });
});

describe('the server default', () => {
  it('`home` makes every new organization home-only', async () => {
    const home = await startTempPlatform(undefined, { billing: 'off', policy: { defaultResidency: 'home' } });
    try {
      const created = await callAdmin(home.url, 'POST', '/admin/v1/orgs', {
        body: { id: 'ministry', name: 'Ministry', homeJurisdiction: 'FR' },
      });
      assert.equal(created.status, 201);
      const policy = await callAdmin(home.url, 'GET', '/admin/v1/orgs/ministry/policy');
      assert.deepEqual([policy.body.source, policy.body.allowedJurisdictions], ['stored', ['FR']]);
    } finally {
      await home.dispose();
    }
  });
});
