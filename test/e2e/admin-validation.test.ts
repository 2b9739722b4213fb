import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callAdmin, type JsonAnswer } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { type ChunkedUploadResult, postChunked } from '../helpers/chunked-upload.js';
import { startTempPlatform, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';

let platform: TempPlatform;
before(async () => {
  platform = await startTempPlatform();
  const seed: [string, unknown][] = [
    ['/orgs', { id: 'val-org', name: 'Validation Org', homeJurisdiction: 'DE' }],
    ['/orgs/val-org/projects', { id: 'val-project', name: 'Validation project' }],
    ['/models', { id: 'val-model', inputPriceMicroPerMtok: 10, outputPriceMicroPerMtok: 20 }],
    ['/sites', { id: 'val-site', name: 'Validation site', jurisdiction: 'FR' }],
    [
      '/deployments',
      { id: 'val-dep', modelId: 'val-model', siteId: 'val-site', kind: 'openai', baseUrl: 'http://10.0.0.7:8000/v1' },
    ],
  ];
  for (const [path, body] of seed) {
    const answer = await callAdmin(platform.url, 'POST', `/admin/v1${path}`, { body });
    assert.equal(answer.status, 201, `seeding ${path}: ${JSON.stringify(answer.body)}`);
  }
});
after(async () => platform.dispose());

/** Every list a failed create could have written into; each is compared in full before and after. */
const listPaths = [
  '/admin/v1/orgs?limit=200',
  '/admin/v1/orgs/val-org/projects?limit=200',
  '/admin/v1/orgs/val-org/keys?limit=200',
  '/admin/v1/models?limit=200',
  '/admin/v1/sites?limit=200',
  '/admin/v1/deployments?limit=200',
];

async function snapshot(): Promise<unknown[]> {
  const lists: unknown[] = [];
  for (const path of listPaths) {
    const answer = await callAdmin(platform.url, 'GET', path);
    assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    lists.push(answer.body);
  }
  return lists;
}

/**
 * Runs a call that must fail and checks that nothing was half-written: every list is
 * exactly as it was before. Returns the answer for further checks.
 */
async function refusedWithoutTrace(
  call: () => Promise<JsonAnswer>,
  status: number,
  code: string,
  param?: string | null,
): Promise<JsonAnswer> {
  const before = await snapshot();
  const answer = await call();
  assertAdminError(answer, status, code, param);
  assert.deepEqual(await snapshot(), before, `a refused call changed stored data: ${JSON.stringify(answer.body)}`);
  return answer;
}

function post(path: string, body: unknown, token?: string | null): () => Promise<JsonAnswer> {
  return () => callAdmin(platform.url, 'POST', `/admin/v1${path}`, token === undefined ? { body } : { body, token });
}

function postRaw(path: string, rawBody: string, token?: string | null): () => Promise<JsonAnswer> {
  return () =>
    callAdmin(platform.url, 'POST', `/admin/v1${path}`, token === undefined ? { rawBody } : { rawBody, token });
}

test('a country code that is not an assigned upper-case ISO code is refused with a message naming the field', async () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['/orgs', 'homeJurisdiction', { id: 'bad-country-org', name: 'Bad', homeJurisdiction: 'XX' }],
    ['/orgs', 'homeJurisdiction', { id: 'bad-country-org', name: 'Bad', homeJurisdiction: 'de' }],
    ['/sites', 'jurisdiction', { id: 'bad-country-site', name: 'Bad', jurisdiction: 'XX' }],
    ['/sites', 'jurisdiction', { id: 'bad-country-site', name: 'Bad', jurisdiction: 'de' }],
  ];
  for (const [path, field, body] of cases) {
    const answer = await refusedWithoutTrace(post(path, body), 400, 'invalid_request', field);
    assert.match(answer.body.error.message, new RegExp(field), `${path} ${JSON.stringify(body)}`);
  }
  for (const [path, field, value] of [
    ['/orgs/val-org', 'homeJurisdiction', 'XX'],
    ['/orgs/val-org', 'homeJurisdiction', 'de'],
    ['/sites/val-site', 'jurisdiction', 'XX'],
    ['/sites/val-site', 'jurisdiction', 'de'],
  ] as const) {
    const patch = () => callAdmin(platform.url, 'PATCH', `/admin/v1${path}`, { body: { [field]: value } });
    const answer = await refusedWithoutTrace(patch, 400, 'invalid_request', field);
    assert.match(answer.body.error.message, new RegExp(field));
  }
  // The stored values are untouched by the refused patches.
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/orgs/val-org')).body.homeJurisdiction, 'DE');
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/sites/val-site')).body.jurisdiction, 'FR');
});

test('an unknown field is refused with unknown_field naming it, on every create and patch', async () => {
  const cases: [string, 'POST' | 'PATCH', string, Record<string, unknown>][] = [
    ['/orgs', 'POST', 'colour', { name: 'Typo', homeJurisdiction: 'DE', colour: 'red' }],
    ['/orgs/val-org', 'PATCH', 'nmae', { nmae: 'Typo' }],
    ['/orgs/val-org/projects', 'POST', 'owner', { name: 'Typo', owner: 'me' }],
    ['/orgs/val-org/projects/val-project', 'PATCH', 'title', { name: 'Typo', title: 'x' }],
    ['/orgs/val-org/keys', 'POST', 'scopes', { role: 'project', projectId: 'val-project', scopes: ['all'] }],
    [
      '/models',
      'POST',
      'pricePerToken',
      { id: 'typo-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1, pricePerToken: 1 },
    ],
    ['/models/val-model', 'PATCH', 'priceInput', { priceInput: 3 }],
    [
      '/sites',
      'POST',
      'accelerators.0.speed',
      {
        id: 'typo-site',
        name: 'Typo',
        jurisdiction: 'DE',
        accelerators: [{ vendor: 'amd', type: 'MI300X', count: 8, speed: 'fast' }],
      },
    ],
    ['/sites/val-site', 'PATCH', 'country', { country: 'DE' }],
    [
      '/deployments',
      'POST',
      'apiKey',
      { id: 'typo-dep', modelId: 'val-model', siteId: 'val-site', kind: 'openai', baseUrl: 'http://h/v1', apiKey: 's' },
    ],
    ['/deployments/val-dep', 'PATCH', 'modelId', { modelId: 'val-model' }],
  ];
  for (const [path, method, field, body] of cases) {
    const call = () => callAdmin(platform.url, method, `/admin/v1${path}`, { body });
    const answer = await refusedWithoutTrace(call, 400, 'unknown_field', field);
    assert.ok(answer.body.error.message.includes(`"${field}"`), `${method} ${path}: ${answer.body.error.message}`);
  }
  const query = await callAdmin(platform.url, 'GET', '/admin/v1/orgs?limt=2');
  assertAdminError(query, 400, 'unknown_field', 'querystring.limt');
  assert.ok(query.body.error.message.includes('"querystring.limt"'), query.body.error.message);
});

test('prices must be non-negative integers and are never coerced from strings', async () => {
  const base = { id: 'priced-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 };
  for (const [field, value] of [
    ['inputPriceMicroPerMtok', -1],
    ['outputPriceMicroPerMtok', -5],
    ['inputPriceMicroPerMtok', '5'],
    ['outputPriceMicroPerMtok', '0'],
    ['inputPriceMicroPerMtok', 1.5],
    ['inputPriceMicroPerMtok', null],
  ] as const) {
    const answer = await refusedWithoutTrace(
      post('/models', { ...base, [field]: value }),
      400,
      'invalid_request',
      field,
    );
    assert.match(answer.body.error.message, new RegExp(field));
    const patch = () => callAdmin(platform.url, 'PATCH', '/admin/v1/models/val-model', { body: { [field]: value } });
    await refusedWithoutTrace(patch, 400, 'invalid_request', field);
  }
  const model = (await callAdmin(platform.url, 'GET', '/admin/v1/models/val-model')).body;
  assert.equal(model.inputPriceMicroPerMtok, 10);
  assert.equal(model.outputPriceMicroPerMtok, 20);
  // A zero price is valid: the check above refuses the string, not the value.
  const free = await callAdmin(platform.url, 'POST', '/admin/v1/models', {
    body: { ...base, id: 'free-model', inputPriceMicroPerMtok: 0, outputPriceMicroPerMtok: 0 },
  });
  assert.equal(free.status, 201, JSON.stringify(free.body));
});

test('a duplicate id is refused with 409 already_exists and the existing record is untouched', async () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['/orgs', '/orgs/val-org', { id: 'val-org', name: 'Impostor', homeJurisdiction: 'US' }],
    ['/orgs/val-org/projects', '/orgs/val-org/projects/val-project', { id: 'val-project', name: 'Impostor' }],
    ['/models', '/models/val-model', { id: 'val-model', inputPriceMicroPerMtok: 999, outputPriceMicroPerMtok: 999 }],
    ['/sites', '/sites/val-site', { id: 'val-site', name: 'Impostor', jurisdiction: 'US' }],
    [
      '/deployments',
      '/deployments/val-dep',
      { id: 'val-dep', modelId: 'val-model', siteId: 'val-site', kind: 'openai', baseUrl: 'http://evil/v1' },
    ],
  ];
  for (const [path, recordPath, body] of cases) {
    const original = await callAdmin(platform.url, 'GET', `/admin/v1${recordPath}`);
    assert.equal(original.status, 200);
    const answer = await refusedWithoutTrace(post(path, body), 409, 'already_exists', 'id');
    assert.ok(answer.body.error.message.includes(`"${String(body.id)}"`), answer.body.error.message);
    assert.deepEqual((await callAdmin(platform.url, 'GET', `/admin/v1${recordPath}`)).body, original.body);
  }
});

test('a body that is not JSON is refused with 400 invalid_json on every create and patch', async () => {
  const targets: ['POST' | 'PATCH', string][] = [
    ['POST', '/orgs'],
    ['PATCH', '/orgs/val-org'],
    ['POST', '/orgs/val-org/projects'],
    ['PATCH', '/orgs/val-org/projects/val-project'],
    ['POST', '/orgs/val-org/keys'],
    ['POST', '/models'],
    ['PATCH', '/models/val-model'],
    ['POST', '/sites'],
    ['PATCH', '/sites/val-site'],
    ['POST', '/deployments'],
    ['PATCH', '/deployments/val-dep'],
  ];
  for (const rawBody of ['{"name": ', "{name: 'x'}", '{"name":"a",}', '']) {
    for (const [method, path] of targets) {
      const call = () => callAdmin(platform.url, method, `/admin/v1${path}`, { rawBody });
      await refusedWithoutTrace(call, 400, 'invalid_json');
    }
  }
});

test('a body over the size limit is refused with 413; one under it is read and validated', async () => {
  const mib = 1024 * 1024;
  const huge = JSON.stringify({ id: 'huge-org', name: 'a'.repeat(5 * mib), homeJurisdiction: 'DE' });
  assert.ok(Buffer.byteLength(huge) > 5 * mib);
  await refusedWithoutTrace(postRaw('/orgs', huge), 413, 'body_too_large');
  // Under the 4 MiB limit the body is parsed, and the over-long name is what gets refused.
  const large = JSON.stringify({ id: 'large-org', name: 'a'.repeat(3 * mib), homeJurisdiction: 'DE' });
  await refusedWithoutTrace(postRaw('/orgs', large), 400, 'invalid_request', 'name');
});

// The timeout is what fails a server that reads an endless body for ever.
test('a chunked body, whose size only reading tells, is refused with 413 once over the limit; one under it is read', {
  timeout: 60_000,
}, async () => {
  const mib = 1024 * 1024;
  const postOrgChunked = (nameBytes: number) =>
    postChunked({
      url: `${platform.url}/admin/v1/orgs`,
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      prefix: '{"id":"chunked-org","homeJurisdiction":"DE","name":"',
      fillBytes: nameBytes,
      suffix: '"}',
      sentBytesMax: 512 * mib,
    });
  const asJson = ({ status, headers, body }: ChunkedUploadResult): JsonAnswer => ({
    status,
    headers,
    body: JSON.parse(body),
  });
  await refusedWithoutTrace(async () => asJson(await postOrgChunked(5 * mib)), 413, 'body_too_large');
  await refusedWithoutTrace(async () => asJson(await postOrgChunked(3 * mib)), 400, 'invalid_request', 'name');
  // A body that never ends is answered alike, and the server closes the connection rather than read on.
  let endless: ChunkedUploadResult | undefined;
  await refusedWithoutTrace(
    async () => asJson((endless = await postOrgChunked(Number.POSITIVE_INFINITY))),
    413,
    'body_too_large',
  );
  const { closedByServer, sentBytes } = endless!;
  assert.ok(closedByServer, `the server kept reading: the client gave up after ${sentBytes} bytes`);
});

test('a missing, malformed or wrong admin token is refused with 401 before the body is looked at', async () => {
  const tokens: (string | null)[] = [
    null,
    '',
    'wrong-token',
    'cw_admin_test_token_0123456789abcdeX',
    'cw_live_notarealkeyatall',
  ];
  for (const token of tokens) {
    for (const path of ['/admin/v1/orgs', '/admin/v1/models', '/admin/v1/orgs/val-org/projects']) {
      assertAdminError(await callAdmin(platform.url, 'GET', path, { token }), 401, 'invalid_admin_token');
    }
    await refusedWithoutTrace(post('/orgs', { name: 'Ok', homeJurisdiction: 'DE' }, token), 401, 'invalid_admin_token');
    await refusedWithoutTrace(
      post('/orgs', { name: 'Ok', homeJurisdiction: 'XX', extra: 1 }, token),
      401,
      'invalid_admin_token',
    );
    await refusedWithoutTrace(postRaw('/orgs', '{not json', token), 401, 'invalid_admin_token');
  }
});

test('a deployment naming a model or site that does not exist is refused naming it, and nothing is written', async () => {
  const base = { id: 'orphan-dep', kind: 'openai', baseUrl: 'http://10.0.0.9:8000/v1' };
  const missingModel = await refusedWithoutTrace(
    post('/deployments', { ...base, modelId: 'ghost-model', siteId: 'val-site' }),
    400,
    'invalid_request',
    'modelId',
  );
  assert.match(missingModel.body.error.message, /ghost-model/);
  const missingSite = await refusedWithoutTrace(
    post('/deployments', { ...base, modelId: 'val-model', siteId: 'ghost-site' }),
    400,
    'invalid_request',
    'siteId',
  );
  assert.match(missingSite.body.error.message, /ghost-site/);
  await refusedWithoutTrace(
    post('/deployments', { ...base, modelId: 'ghost-model', siteId: 'ghost-site' }),
    400,
    'invalid_request',
    'modelId',
  );
  assertAdminError(await callAdmin(platform.url, 'GET', '/admin/v1/deployments/orphan-dep'), 404, 'not_found');
  const forSite = await callAdmin(platform.url, 'GET', '/admin/v1/deployments?siteId=ghost-site');
  assert.deepEqual(forSite.body.data, []);
  // The id was never taken: a valid deployment may use it now.
  const valid = await callAdmin(platform.url, 'POST', '/admin/v1/deployments', {
    body: { ...base, modelId: 'val-model', siteId: 'val-site' },
  });
  assert.equal(valid.status, 201, JSON.stringify(valid.body));
});

test('other refused creates write nothing either', async () => {
  const inPast = '2001-01-01T00:00:00Z';
  const refused: [string, Record<string, unknown>, string][] = [
    ['/orgs', { homeJurisdiction: 'DE' }, 'name'],
    ['/orgs', { id: '-leading-dash', name: 'x', homeJurisdiction: 'DE' }, 'id'],
    ['/orgs/val-org/projects', { name: '' }, 'name'],
    ['/orgs/val-org/keys', { role: 'project' }, 'projectId'],
    ['/orgs/val-org/keys', { role: 'project', projectId: 'ghost-project' }, 'projectId'],
    ['/orgs/val-org/keys', { role: 'org_admin', projectId: 'val-project' }, 'projectId'],
    ['/orgs/val-org/keys', { role: 'project', projectId: 'val-project', expiresAt: inPast }, 'expiresAt'],
    ['/orgs/val-org/keys', { role: 'project', projectId: 'val-project', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['/orgs/val-org/keys', { role: 'owner' }, 'role'],
    [
      '/sites',
      { id: 'bad-acc', name: 'x', jurisdiction: 'DE', accelerators: [{ vendor: 'nvidia', type: 'H100', count: 0 }] },
      'accelerators.0.count',
    ],
    ['/deployments', { id: 'no-url', modelId: 'val-model', siteId: 'val-site', kind: 'openai' }, 'baseUrl'],
    [
      '/deployments',
      { id: 'bad-kind', modelId: 'val-model', siteId: 'val-site', kind: 'carrier-pigeon', baseUrl: 'http://h/v1' },
      'kind',
    ],
    [
      '/deployments',
      { id: 'bad-url', modelId: 'val-model', siteId: 'val-site', kind: 'openai', baseUrl: 'ftp://h/v1' },
      'baseUrl',
    ],
  ];
  for (const [path, body, param] of refused) await refusedWithoutTrace(post(path, body), 400, 'invalid_request', param);
  for (const [path, body] of [
    ['/admin/v1/orgs/val-org', {}],
    ['/admin/v1/models/val-model', {}],
    ['/admin/v1/sites/val-site', {}],
    ['/admin/v1/deployments/val-dep', {}],
  ] as const) {
    await refusedWithoutTrace(() => callAdmin(platform.url, 'PATCH', path, { body }), 400, 'invalid_request');
  }
});

test('list parameters are validated', async () => {
  for (const [query, param] of [
    ['limit=0', 'querystring.limit'],
    ['limit=201', 'querystring.limit'],
    ['limit=abc', 'querystring.limit'],
  ]) {
    for (const path of ['/admin/v1/orgs', '/admin/v1/models', '/admin/v1/orgs/val-org/keys']) {
      assertAdminError(await callAdmin(platform.url, 'GET', `${path}?${query}`), 400, 'invalid_request', param);
    }
  }
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/orgs?limit=200')).status, 200);
});

test('an unknown route or method answers 404 in the OpenAI shape', async () => {
  for (const [method, path, token] of [
    ['GET', '/admin/v1/nothing-here', undefined],
    ['GET', '/admin/v1/nothing-here', null],
    ['POST', '/admin/v1/orgs/val-org', undefined],
    ['DELETE', '/admin/v1/orgs', undefined],
    ['GET', '/admin/v2/orgs', undefined],
    ['GET', '/nothing-here', null],
  ] as const) {
    const answer = await callAdmin(platform.url, method, path, token === undefined ? {} : { token });
    assertAdminError(answer, 404, 'route_not_found', null);
    assert.equal(answer.body.error.type, 'not_found_error');
    assert.ok(answer.body.error.message.includes(path), answer.body.error.message);
  }
});
