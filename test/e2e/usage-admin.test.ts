import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type UsageInput, UsageRepository } from '../../src/metering/index.js';
import { GroupCommitWriter, openSqliteStore, type Store } from '../../src/store/index.js';
import { TestUsageRecorder } from '../helpers/test-usage-recorder.js';
import { callAdmin, type JsonAnswer } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { exitOf, runCli, spawnServe } from '../helpers/spawn-cli.js';
import { startTempPlatform, tempDataDir, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';
import { usageInput } from '../helpers/usage-input.js';

interface Fixture {
  readonly id: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly modelId: string;
  /** Set in the store after recording, so that time ranges are exact without a clock. */
  readonly createdAt: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly rejected?: boolean;
  /** Priced, charged and written off, in micro-credits; unmetered when absent. */
  readonly credits?: readonly [number, number, number];
}

/**
 * Ids that do not sort in write order, so a page ordered by id instead of by write order
 * fails. "departed" has no organization record: usage must outlive what it names.
 */
const fixtures: readonly Fixture[] = [
  {
    id: 'req-m',
    organizationId: 'acme',
    projectId: 'acme-main',
    modelId: 'm-alpha',
    createdAt: '2026-03-01T10:00:00.000Z',
    promptTokens: 10,
    completionTokens: 5,
  },
  {
    id: 'req-c',
    organizationId: 'acme',
    projectId: 'acme-side',
    modelId: 'm-beta',
    createdAt: '2026-03-02T10:00:00.000Z',
    promptTokens: 20,
    completionTokens: 7,
    credits: [30, 30, 0],
  },
  {
    id: 'req-x',
    organizationId: 'globex',
    projectId: 'globex-main',
    modelId: 'm-alpha',
    createdAt: '2026-03-02T12:00:00.000Z',
    promptTokens: 100,
    completionTokens: 50,
    credits: [900, 1, 899],
  },
  {
    id: 'req-a',
    organizationId: 'acme',
    projectId: 'acme-main',
    modelId: 'm-alpha',
    createdAt: '2026-03-03T10:00:00.000Z',
    promptTokens: 0,
    completionTokens: 0,
    rejected: true,
  },
  {
    id: 'req-q',
    organizationId: 'acme',
    projectId: 'acme-main',
    modelId: 'm-beta',
    createdAt: '2026-03-04T10:00:00.000Z',
    promptTokens: 40,
    completionTokens: 9,
    credits: [70, 52, 18],
  },
  {
    id: 'req-f',
    organizationId: 'globex',
    projectId: 'globex-main',
    modelId: 'm-beta',
    createdAt: '2026-03-05T10:00:00.000Z',
    promptTokens: 1000,
    completionTokens: 500,
  },
  {
    id: 'req-t',
    organizationId: 'acme',
    projectId: 'acme-side',
    modelId: 'm-alpha',
    createdAt: '2026-03-06T10:00:00.000Z',
    promptTokens: 5,
    completionTokens: 5,
  },
  {
    id: 'req-b',
    organizationId: 'departed',
    projectId: 'departed-main',
    modelId: 'm-gamma',
    createdAt: '2026-03-07T10:00:00.000Z',
    promptTokens: 1,
    completionTokens: 1,
  },
];

function fixtureUsage(fixture: Omit<Fixture, 'createdAt'>): UsageInput {
  const { rejected = false, credits, ...fields } = fixture;
  return usageInput(fixture.id, {
    ...fields,
    ...(credits === undefined
      ? {}
      : { creditsPricedMicro: credits[0], creditsChargedMicro: credits[1], creditsWrittenOffMicro: credits[2] }),
    apiKeyId: `key_${fixture.projectId}`,
    deploymentId: rejected ? null : 'dep-fra',
    totalTokens: fixture.promptTokens + fixture.completionTokens,
    firstByteMs: rejected ? null : 4,
    totalMs: 9,
    streamed: false,
    ...(rejected
      ? { siteId: null, jurisdiction: null, status: 429, outcome: 'rejected', errorCode: 'rate_limited' }
      : {}),
  });
}

/** Writes records as the gateway will: through the recorder and the group-commit writer. */
async function recordAll(store: Store, inputs: readonly UsageInput[]): Promise<void> {
  const writer = new GroupCommitWriter(store);
  const recorder = new TestUsageRecorder(writer, new UsageRepository(store));
  for (const input of inputs) await recorder.recordUsage(input);
  await writer.close();
}

interface Filter {
  readonly organizationId?: string;
  readonly projectId?: string;
  readonly modelId?: string;
}

function totalsOf(rows: readonly Fixture[]) {
  return {
    requests: rows.length,
    promptTokens: rows.reduce((sum, r) => sum + r.promptTokens, 0),
    completionTokens: rows.reduce((sum, r) => sum + r.completionTokens, 0),
    totalTokens: rows.reduce((sum, r) => sum + r.promptTokens + r.completionTokens, 0),
    creditsChargedMicro: rows.reduce((sum, r) => sum + (r.credits?.[1] ?? 0), 0),
    creditsWrittenOffMicro: rows.reduce((sum, r) => sum + (r.credits?.[2] ?? 0), 0),
  };
}

/** What the API must answer for a filter, computed from the fixtures independently of the server. */
function expected(filter: Filter) {
  const rows = fixtures.filter(
    (r) =>
      (filter.organizationId === undefined || r.organizationId === filter.organizationId) &&
      (filter.projectId === undefined || r.projectId === filter.projectId) &&
      (filter.modelId === undefined || r.modelId === filter.modelId),
  );
  const models = [...new Set(rows.map((r) => r.modelId))].sort();
  return {
    ids: rows.map((r) => r.id),
    totals: totalsOf(rows),
    byModel: models.map((modelId) => ({ modelId, ...totalsOf(rows.filter((r) => r.modelId === modelId)) })),
  };
}

let platform: TempPlatform;
let acmeAdmin: string;
let globexAdmin: string;
let acmeProjectKey: string;

async function operator(method: 'GET' | 'POST', path: string, status: number, body?: unknown): Promise<any> {
  const answer = await callAdmin(platform.url, method, `/admin/v1${path}`, body === undefined ? {} : { body });
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function usage(query: string, token?: string): Promise<JsonAnswer> {
  return callAdmin(
    platform.url,
    'GET',
    `/admin/v1/usage${query === '' ? '' : `?${query}`}`,
    token === undefined ? {} : { token },
  );
}

async function usageOk(query: string, token?: string): Promise<any> {
  const answer = await usage(query, token);
  assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function ids(page: { data: { id: string }[] }): string[] {
  return page.data.map((r) => r.id);
}

before(async () => {
  platform = await startTempPlatform();
  for (const org of ['acme', 'globex'])
    await operator('POST', '/orgs', 201, { id: org, name: `${org} Corporation`, homeJurisdiction: 'DE' });
  await operator('POST', '/orgs/acme/projects', 201, { id: 'acme-main', name: 'Acme main' });
  acmeAdmin = (await operator('POST', '/orgs/acme/keys', 201, { role: 'org_admin' })).secret;
  globexAdmin = (await operator('POST', '/orgs/globex/keys', 201, { role: 'org_admin' })).secret;
  acmeProjectKey = (await operator('POST', '/orgs/acme/keys', 201, { role: 'project', projectId: 'acme-main' })).secret;
  await recordAll(platform.store, fixtures.map(fixtureUsage));
  // The recorder stamps the current time; fixed times make the ranges below exact without a clock.
  for (const { id, createdAt } of fixtures) {
    await platform.store.db.updateTable('usageRecords').set({ createdAt }).where('id', '=', id).execute();
  }
});
after(async () => platform.dispose());

test('the operator sees every record in write order, with totals and per-model totals', async () => {
  const page = await usageOk('limit=200');
  const all = expected({});
  assert.deepEqual(ids(page), all.ids);
  assert.deepEqual(page.totals, all.totals);
  assert.deepEqual(page.byModel, all.byModel);
  assert.equal(page.object, 'list');
  assert.equal(page.first_id, 'req-m');
  assert.equal(page.last_id, 'req-b');
  assert.equal(page.has_more, false);
  assert.deepEqual(page.data[3], {
    object: 'usage_record',
    id: 'req-a',
    createdAt: '2026-03-03T10:00:00.000Z',
    organizationId: 'acme',
    projectId: 'acme-main',
    apiKeyId: 'key_acme-main',
    modelId: 'm-alpha',
    endpoint: 'chat.completions',
    deploymentId: null,
    siteId: null,
    jurisdiction: null,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    usageEstimated: false,
    firstByteMs: null,
    totalMs: 9,
    status: 429,
    outcome: 'rejected',
    errorCode: 'rate_limited',
    streamed: false,
    policyVersion: null,
    creditsPricedMicro: null,
    creditsChargedMicro: null,
    creditsWrittenOffMicro: null,
  });
});

test('filters by organization, project and model, alone and combined; totals follow the filter', async () => {
  const filters: Filter[] = [
    { organizationId: 'acme' },
    { organizationId: 'globex' },
    { projectId: 'acme-main' },
    { modelId: 'm-beta' },
    { organizationId: 'acme', modelId: 'm-alpha' },
    { organizationId: 'acme', projectId: 'acme-side', modelId: 'm-alpha' },
    // Usage outlives its organization: the operator still sees it.
    { organizationId: 'departed' },
  ];
  for (const filter of filters) {
    const page = await usageOk(`${new URLSearchParams({ ...filter })}&limit=200`);
    const want = expected(filter);
    assert.ok(want.ids.length > 0, `the fixtures cover ${JSON.stringify(filter)}`);
    assert.deepEqual({ ids: ids(page), totals: page.totals, byModel: page.byModel }, want, JSON.stringify(filter));
  }
  const none = await usageOk('organizationId=globex&projectId=acme-main');
  assert.deepEqual(none.data, []);
  assert.deepEqual(none.totals, {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    creditsChargedMicro: 0,
    creditsWrittenOffMicro: 0,
  });
  assert.deepEqual(none.byModel, []);
});

test('since is inclusive and until exclusive; offsets and bare dates name UTC instants', async () => {
  const cases: [string, string[]][] = [
    ['since=2026-03-02T10:00:00Z&until=2026-03-05T10:00:00Z', ['req-c', 'req-x', 'req-a', 'req-q']],
    ['since=2026-03-02T12:00:00%2B02:00&until=2026-03-02T12:00:00Z', ['req-c']],
    ['until=2026-03-02', ['req-m']],
    ['organizationId=acme&since=2026-03-03', ['req-a', 'req-q', 'req-t']],
    ['since=2026-03-08', []],
  ];
  for (const [query, want] of cases) {
    const page = await usageOk(query);
    assert.deepEqual(ids(page), want, query);
    const rows = fixtures.filter((r) => want.includes(r.id));
    assert.deepEqual(page.totals, totalsOf(rows), query);
  }
  assertAdminError(await usage('since=yesterday'), 400, 'invalid_request', 'querystring.since');
  assertAdminError(await usage('until=2026-03-02T10:00:00'), 400, 'invalid_request', 'querystring.until');
  assertAdminError(await usage('since=2026-13-01T00:00:00Z'), 400, 'invalid_request');
});

test('pages follow write order, and every page carries the totals of the whole filter', async () => {
  const acme = expected({ organizationId: 'acme' });
  const pages: any[] = [];
  let query = 'organizationId=acme&limit=2';
  for (let guard = 0; guard < 10; guard++) {
    const page = await usageOk(query);
    pages.push(page);
    if (!page.has_more) break;
    query = `organizationId=acme&limit=2&after=${page.last_id}`;
  }
  assert.deepEqual(pages.map(ids), [['req-m', 'req-c'], ['req-a', 'req-q'], ['req-t']]);
  assert.deepEqual(
    pages.map((p) => [p.first_id, p.last_id, p.has_more]),
    [
      ['req-m', 'req-c', true],
      ['req-a', 'req-q', true],
      ['req-t', 'req-t', false],
    ],
  );
  for (const page of pages) {
    assert.deepEqual(page.totals, acme.totals);
    assert.deepEqual(page.byModel, acme.byModel);
  }
  // A cursor may be a record the model filter excludes; the page starts after it in write order.
  assert.deepEqual(ids(await usageOk('organizationId=acme&modelId=m-beta&after=req-a')), ['req-q']);
  assertAdminError(await usage('after=req-none'), 400, 'invalid_request', 'after');
  assertAdminError(await usage('limit=0'), 400, 'invalid_request', 'querystring.limit');
  assertAdminError(await usage('limit=201'), 400, 'invalid_request', 'querystring.limit');
  assertAdminError(await usage('organisationId=acme'), 400, 'unknown_field', 'querystring.organisationId');
});

test('an org admin is confined to its own organization', async () => {
  const acme = expected({ organizationId: 'acme' });
  const own = await usageOk('limit=200', acmeAdmin);
  assert.deepEqual({ ids: ids(own), totals: own.totals, byModel: own.byModel }, acme);
  assert.ok(!JSON.stringify(own).includes('globex'), 'nothing of another organization, not even in the totals');
  assert.deepEqual(await usageOk('organizationId=acme&limit=200', acmeAdmin), own);
  assert.deepEqual(ids(await usageOk('limit=200', globexAdmin)), ['req-x', 'req-f']);

  // Another organization answers exactly as one that does not exist.
  const other = await usage('organizationId=globex', acmeAdmin);
  assertAdminError(other, 404, 'not_found', 'organizationId');
  const ghost = await usage('organizationId=ghost', acmeAdmin);
  assert.equal(JSON.stringify(other.body).replace('globex', 'ID'), JSON.stringify(ghost.body).replace('ghost', 'ID'));

  // Other filters cannot reach past the organization either.
  const project = await usageOk('projectId=globex-main', acmeAdmin);
  assert.deepEqual([project.data, project.totals.requests, project.byModel], [[], 0, []]);
  assert.deepEqual(ids(await usageOk('modelId=m-beta', acmeAdmin)), ['req-c', 'req-q']);
  const foreignCursor = await usage('after=req-x', acmeAdmin);
  assertAdminError(foreignCursor, 400, 'invalid_request', 'after');
  const absentCursor = await usage('after=req-y', acmeAdmin);
  assert.equal(
    JSON.stringify(foreignCursor.body).replace('req-x', 'ID'),
    JSON.stringify(absentCursor.body).replace('req-y', 'ID'),
  );
});

test('a project key is refused with 403 and a missing token with 401', async () => {
  assertAdminError(await usage('', acmeProjectKey), 403, 'forbidden', null);
  assertAdminError(await usage('organizationId=acme', acmeProjectKey), 403, 'forbidden', null);
  const anonymous = await callAdmin(platform.url, 'GET', '/admin/v1/usage', { token: null });
  assertAdminError(anonymous, 401, 'invalid_admin_token', null);
});

test('commonweal usage prints the records and totals of a spawned server; --project, --model and --after narrow them', async () => {
  const dataDir = tempDataDir();
  const server = await spawnServe(['--data-dir', dataDir], { COMMONWEAL_ADMIN_TOKEN: testAdminToken });
  try {
    // A second connection to the server's database file stands in for the gateway, which is not built yet.
    const store = await openSqliteStore(join(dataDir, 'commonweal.sqlite'));
    const rows = [
      {
        id: 'cli-1',
        organizationId: 'acme',
        projectId: 'acme-main',
        modelId: 'm-alpha',
        promptTokens: 10,
        completionTokens: 5,
      },
      {
        id: 'cli-2',
        organizationId: 'acme',
        projectId: 'acme-side',
        modelId: 'm-beta',
        promptTokens: 20,
        completionTokens: 7,
      },
      {
        id: 'cli-3',
        organizationId: 'acme',
        projectId: 'acme-main',
        modelId: 'm-alpha',
        promptTokens: 30,
        completionTokens: 0,
        rejected: true,
      },
      {
        id: 'cli-4',
        organizationId: 'globex',
        projectId: 'globex-main',
        modelId: 'm-alpha',
        promptTokens: 100,
        completionTokens: 50,
      },
    ];
    await recordAll(store, rows.map(fixtureUsage));
    await store.close();
    const env = {
      COMMONWEAL_ADMIN_TOKEN: testAdminToken,
      COMMONWEAL_SERVER: server.url,
      COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
    };

    const table = await runCli(['usage', '--org', 'acme'], env);
    assert.equal(table.code, 0, table.stderr);
    const out = table.stdout;
    assert.match(
      out,
      /^TIME\s+ORG\s+PROJECT\s+MODEL\s+DEPLOYMENT\s+SITE\s+PROMPT\s+COMPLETION\s+CHARGED MICRO\s+WRITTEN OFF MICRO\s+STATUS\s+OUTCOME$/m,
    );
    assert.match(out, /^\S+\s+acme\s+acme-main\s+m-alpha\s+dep-fra\s+fra-1\s+10\s+5\s+-\s+-\s+200\s+success$/m);
    assert.match(out, /^\S+\s+acme\s+acme-side\s+m-beta\s+dep-fra\s+fra-1\s+20\s+7\s+-\s+-\s+200\s+success$/m);
    assert.match(out, /^\S+\s+acme\s+acme-main\s+m-alpha\s+-\s+-\s+30\s+0\s+-\s+-\s+429\s+rejected$/m);
    assert.doesNotMatch(out, /globex/);
    assert.match(
      out,
      /^MODEL\s+REQUESTS\s+PROMPT TOKENS\s+COMPLETION TOKENS\s+TOTAL TOKENS\s+CHARGED MICRO\s+WRITTEN OFF MICRO$/m,
    );
    assert.match(out, /^m-alpha\s+2\s+40\s+5\s+45\s+0\s+0$/m);
    assert.match(out, /^m-beta\s+1\s+20\s+7\s+27\s+0\s+0$/m);
    assert.match(out, /^\(all models\)\s+3\s+60\s+12\s+72\s+0\s+0$/m);

    const firstPage = await runCli(['usage', '--limit', '1'], env);
    assert.equal(firstPage.code, 0, firstPage.stderr);
    assert.match(firstPage.stdout, /--after cli-1\)/);
    assert.match(
      firstPage.stdout,
      /^\(all models\)\s+4\s+160\s+62\s+222\s+0\s+0$/m,
      'totals cover the filter, not the page',
    );

    const json = await runCli(['usage', '--limit', '1', '--all', '--json', '--model', 'm-alpha'], env);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout);
    assert.deepEqual(
      answer.data.map((r: { id: string }) => r.id),
      ['cli-1', 'cli-3', 'cli-4'],
    );
    assert.deepEqual([answer.first_id, answer.last_id, answer.has_more], ['cli-1', 'cli-4', false]);
    assert.deepEqual(answer.totals, {
      requests: 3,
      promptTokens: 140,
      completionTokens: 55,
      totalTokens: 195,
      creditsChargedMicro: 0,
      creditsWrittenOffMicro: 0,
    });
    assert.deepEqual(answer.byModel, [
      {
        modelId: 'm-alpha',
        requests: 3,
        promptTokens: 140,
        completionTokens: 55,
        totalTokens: 195,
        creditsChargedMicro: 0,
        creditsWrittenOffMicro: 0,
      },
    ]);

    const usageJson = async (...args: string[]) => {
      const run = await runCli(['usage', '--json', ...args], env);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as {
        data: { id: string }[];
        totals: { requests: number; promptTokens: number };
        has_more: boolean;
      };
    };
    const project = await usageJson('--project', 'acme-main');
    assert.deepEqual(
      project.data.map((r) => r.id),
      ['cli-1', 'cli-3'],
    );
    assert.deepEqual([project.totals.requests, project.totals.promptTokens], [2, 40]);
    const projectTable = await runCli(['usage', '--project', 'acme-side'], env);
    assert.equal(projectTable.code, 0, projectTable.stderr);
    assert.match(projectTable.stdout, /^\S+\s+acme\s+acme-side\s+m-beta\s/m);
    assert.doesNotMatch(projectTable.stdout, /acme-main|globex/);
    // --after starts the page after that record in write order; the totals still cover the whole filter.
    const afterTwo = await usageJson('--after', 'cli-2');
    assert.deepEqual(
      afterTwo.data.map((r) => r.id),
      ['cli-3', 'cli-4'],
    );
    assert.equal(afterTwo.totals.requests, 4);
    const afterPage = await usageJson('--after', 'cli-1', '--limit', '1');
    assert.deepEqual([afterPage.data.map((r) => r.id), afterPage.has_more], [['cli-2'], true]);
    assert.deepEqual(
      (await usageJson('--project', 'acme-main', '--after', 'cli-1')).data.map((r) => r.id),
      ['cli-3'],
    );
    const unknownCursor = await runCli(['usage', '--after', 'cli-none'], env);
    assert.equal(unknownCursor.code, 1);
    assert.match(unknownCursor.stderr, /^error: 400 invalid_request: /);

    const bad = await runCli(['usage', '--since', 'yesterday'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: 400 invalid_request: querystring\.since/);

    const help = await runCli(['usage', '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const flag of [
      '--org',
      '--project',
      '--model',
      '--since',
      '--until',
      '--limit',
      '--after',
      '--all',
      '--json',
    ]) {
      assert.match(help.stdout, new RegExp(`^\\s+${flag}\\b`, 'm'), `--help describes ${flag}`);
    }
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await exitOf(server.child), 0);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
