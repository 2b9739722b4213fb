import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { type UsageRecord, UsageRepository } from '../../src/metering/index.js';
import { callAdmin, type JsonAnswer } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';
import { usageRecord } from '../helpers/usage-input.js';
import { writeOnce } from '../helpers/write-once.js';

const day1 = '2026-03-01';
const models = ['m-alpha', 'm-beta', 'm-gamma'];
const sites: readonly [string, string][] = [
  ['fra-1', 'DE'],
  ['par-1', 'FR'],
];

/** Records over two days, spread over every dimension by their index, so that each group's sums differ. */
const records: readonly UsageRecord[] = Array.from({ length: 120 }, (_, i) => {
  const organizationId = i % 3 === 0 ? 'globex' : 'acme';
  const rejected = i % 10 === 7;
  const [siteId, jurisdiction] = sites[i % 2]!;
  const priced = 100 + i;
  return usageRecord(
    `req_${String(i).padStart(3, '0')}`,
    new Date(Date.parse(`${day1}T00:00:00Z`) + i * 1_440_000 + 1000).toISOString(),
    {
      organizationId,
      projectId: `${organizationId}-p${i % 2}`,
      apiKeyId: `${organizationId}-k${i % 4}`,
      modelId: models[i % 3]!,
      siteId: rejected ? null : siteId,
      jurisdiction: rejected ? null : jurisdiction,
      deploymentId: rejected ? null : 'dep',
      status: rejected ? 403 : i % 11 === 5 ? 502 : 200,
      outcome: rejected ? 'rejected' : i % 11 === 5 ? 'upstream_error' : 'success',
      errorCode: rejected ? 'policy_denied' : null,
      promptTokens: i * 3,
      completionTokens: i * 2,
      totalTokens: i * 5,
      totalMs: 40 * i,
      firstByteMs: rejected ? null : 7 * i,
      creditsPricedMicro: priced,
      creditsChargedMicro: priced - (i % 5),
      creditsWrittenOffMicro: i % 5,
    },
  );
});

const period = `from=${day1}&to=2026-03-03`;
let platform: TempPlatform;
let acmeAdmin: string;
let acmeProjectKey: string;

async function get(path: string, token?: string): Promise<JsonAnswer> {
  return callAdmin(platform.url, 'GET', `/admin/v1${path}`, token === undefined ? {} : { token });
}

async function getOk(path: string, token?: string): Promise<any> {
  const answer = await get(path, token);
  assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Polls, with a generous bound, until `done` holds for the answer of `path`: rollups follow the records. */
async function eventually(path: string, done: (body: any) => boolean, token?: string): Promise<any> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const body = await getOk(path, token);
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${path} never reached the expected state`);
}

function dimensionOf(record: UsageRecord, groupBy: string): string | number {
  const values: Record<string, string | number> = {
    organization: record.organizationId,
    project: record.projectId,
    key: record.apiKeyId,
    model: record.modelId,
    site: record.siteId ?? '',
    jurisdiction: record.jurisdiction ?? '',
    status: record.status,
    outcome: record.outcome,
    errorCode: record.errorCode ?? '',
  };
  return values[groupBy]!;
}

/** The oracle: requests, tokens and credits per bucket and group, straight from the records. */
function expectedPoints(rows: readonly UsageRecord[], bucket: 'hour' | 'day', groupBy: string | undefined) {
  const points = new Map<string, { requests: number; promptTokens: number; creditsChargedMicro: number }>();
  for (const r of rows) {
    const start =
      bucket === 'day' ? `${r.createdAt.slice(0, 10)}T00:00:00.000Z` : `${r.createdAt.slice(0, 13)}:00:00.000Z`;
    const id = JSON.stringify([start, groupBy === undefined ? null : dimensionOf(r, groupBy)]);
    const point = points.get(id) ?? { requests: 0, promptTokens: 0, creditsChargedMicro: 0 };
    point.requests += 1;
    point.promptTokens += r.promptTokens;
    point.creditsChargedMicro += r.creditsChargedMicro ?? 0;
    points.set(id, point);
  }
  return [...points].sort(([a], [b]) => (a < b ? -1 : 1));
}

function pointsOf(body: any) {
  return body.points
    .map((p: any) => [
      JSON.stringify([p.bucketStart, p.key]),
      { requests: p.requests, promptTokens: p.promptTokens, creditsChargedMicro: p.creditsChargedMicro },
    ])
    .sort(([a]: [string], [b]: [string]) => (a < b ? -1 : 1));
}

before(async () => {
  platform = await startTempPlatform(undefined, {
    metering: { rollupIntervalMs: 100, denialFlushIntervalMs: 100 },
  });
  for (const [id, home] of [
    ['acme', 'DE'],
    ['globex', 'FR'],
  ]) {
    const created = await callAdmin(platform.url, 'POST', '/admin/v1/orgs', {
      body: { id, name: `${id} Corporation`, homeJurisdiction: home },
    });
    assert.equal(created.status, 201);
  }
  await callAdmin(platform.url, 'POST', '/admin/v1/orgs/acme/projects', { body: { id: 'acme-p0', name: 'Main' } });
  const key = (body: unknown) => callAdmin(platform.url, 'POST', '/admin/v1/orgs/acme/keys', { body });
  acmeAdmin = (await key({ role: 'org_admin' })).body.secret;
  acmeProjectKey = (await key({ role: 'project', projectId: 'acme-p0' })).body.secret;
  const repository = new UsageRepository(platform.store);
  await writeOnce(platform.store, async (tx) => {
    for (const record of records) await repository.record(tx, record);
  });
  await eventually(`/usage/series?${period}&bucket=day`, (body) => body.groups[0]?.requests === records.length);
});
after(async () => platform?.dispose());

test('series equal a direct aggregation of the records, by every dimension, per hour and per day', async () => {
  for (const bucket of ['hour', 'day'] as const) {
    for (const groupBy of [
      undefined,
      'organization',
      'project',
      'key',
      'model',
      'site',
      'jurisdiction',
      'status',
      'outcome',
      'errorCode',
    ]) {
      const query = `${period}&bucket=${bucket}&groups=50${groupBy === undefined ? '' : `&groupBy=${groupBy}`}`;
      const body = await getOk(`/usage/series?${query}`);
      assert.equal(body.bucket, bucket);
      assert.deepEqual(pointsOf(body), expectedPoints(records, bucket, groupBy), query);
    }
  }
});

test('filters combine, and groups beyond the top ones are summed under key null', async () => {
  const filtered = await getOk(`/usage/series?${period}&bucket=day&modelId=m-beta&status=200&groupBy=site`);
  const want = records.filter((r) => r.modelId === 'm-beta' && r.status === 200);
  assert.deepEqual(pointsOf(filtered), expectedPoints(want, 'day', 'site'));
  const top = await getOk(`/usage/series?${period}&bucket=day&groupBy=key&groups=2`);
  assert.equal(top.groups.length, 3);
  assert.equal(top.groups[2].key, null);
  assert.equal(
    top.groups.reduce((sum: number, g: { requests: number }) => sum + g.requests, 0),
    records.length,
  );
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.apiKeyId, (counts.get(r.apiKeyId) ?? 0) + 1);
  const largest = [...counts.values()].sort((a, b) => b - a);
  assert.deepEqual(
    top.groups.slice(0, 2).map((g: { requests: number }) => g.requests),
    largest.slice(0, 2),
  );
});

test('periods are whole buckets, bounded in length, and groups and values are checked', async () => {
  const widened = await getOk('/usage/series?from=2026-03-01T10:30:00Z&to=2026-03-01T11:10:00Z');
  assert.deepEqual([widened.from, widened.to], ['2026-03-01T10:00:00.000Z', '2026-03-01T12:00:00.000Z']);
  for (const query of [
    'from=2026-01-01&to=2026-02-02&bucket=hour',
    'from=2026-01-01&to=2027-03-01&bucket=day',
    'from=2026-03-02&to=2026-03-01',
    `${period}&groups=51`,
    `${period}&groupBy=color`,
    `${period}&status=42`,
    `${period}&surprise=1`,
    'to=2026-03-02',
  ]) {
    const answer = await get(`/usage/series?${query}`);
    assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
  }
});

test('the CSV export holds the points of the series, one line each', async () => {
  const query = `${period}&bucket=day&groupBy=model`;
  const series = await getOk(`/usage/series?${query}`);
  const answer = await request(`${platform.url}/admin/v1/usage/export.csv?${query}`, {
    headers: { authorization: `Bearer ${acmeAdmin}` },
  });
  assert.equal(answer.statusCode, 200);
  assert.match(String(answer.headers['content-type']), /^text\/csv/);
  const lines = (await answer.body.text()).trimEnd().split('\r\n');
  assert.equal(lines[0]!.split(',')[0], 'bucket_start');
  const acme = await getOk(`/usage/series?${query}`, acmeAdmin);
  assert.equal(lines.length, acme.points.length + 1);
  assert.deepEqual(
    lines.slice(1).map((line) => line.split(',').slice(0, 3)),
    acme.points.map((p: any) => [p.bucketStart, p.key, String(p.requests)]),
  );
  const total = (body: any) => body.groups.reduce((sum: number, g: { requests: number }) => sum + g.requests, 0);
  assert.equal(total(series), records.length);
  assert.equal(total(acme), records.filter((r) => r.organizationId === 'acme').length);
});

test("an organization admin reads only its own organization's rollups, by any parameter", async () => {
  const acmeRecords = records.filter((r) => r.organizationId === 'acme');
  for (const path of ['/usage/series', '/usage/export.csv', '/usage/flows', '/console/overview']) {
    assertAdminError(
      await get(`${path}?${period}&organizationId=globex`, acmeAdmin),
      404,
      'not_found',
      'organizationId',
    );
  }
  for (const groupBy of ['organization', 'project', 'key']) {
    const body = await getOk(`/usage/series?${period}&bucket=day&groupBy=${groupBy}&groups=50`, acmeAdmin);
    assert.deepEqual(pointsOf(body), expectedPoints(acmeRecords, 'day', groupBy));
  }
  // Filters naming another organization's project or key find nothing rather than its figures.
  for (const filter of ['projectId=globex-p0', 'apiKeyId=globex-k0']) {
    const body = await getOk(`/usage/series?${period}&${filter}`, acmeAdmin);
    assert.deepEqual(body.points, []);
  }
  const overview = await getOk(`/console/overview?${period}&bucket=day`, acmeAdmin);
  assert.deepEqual(
    overview.topOrganizations.map((o: { id: string }) => o.id),
    ['acme'],
  );
  assert.equal(overview.totals.requests, acmeRecords.length);
  const flows = await getOk(`/usage/flows?${period}`, acmeAdmin);
  assert.deepEqual([...new Set(flows.flows.map((f: { organizationId: string }) => f.organizationId))], ['acme']);
  assert.deepEqual([...new Set(flows.refusals.map((f: { organizationId: string }) => f.organizationId))], ['acme']);
  const list = await getOk('/usage?organizationId=acme&limit=200&totals=false', acmeAdmin);
  assert.equal(list.data.length, acmeRecords.length);
});

test('the overview sums the period, ranks models and sites, and splits refusals by reason', async () => {
  // Refused before admission, so with no record: an unknown key, and a body without a model from acme.
  const chat = (authorization: string, body: unknown) =>
    request(`${platform.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((answer) => answer.body.text());
  await chat('Bearer cw_live_not_a_key', { model: 'm-alpha', messages: [] });
  await chat(`Bearer ${acmeProjectKey}`, { messages: [] });
  const now = new Date();
  const today = `from=${now.toISOString().slice(0, 10)}&to=${new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10)}`;
  const operatorView = await eventually(`/console/overview?${today}`, (body) => body.denials.length === 2);
  assert.deepEqual(operatorView.denials.map((d: any) => [d.reason, d.kind, d.requests, d.recorded]).sort(), [
    ['invalid_api_key', 'auth', 1, false],
    ['invalid_request', 'request', 1, false],
  ]);
  const acmeView = await getOk(`/console/overview?${today}`, acmeAdmin);
  assert.deepEqual(
    acmeView.denials.map((d: any) => d.reason),
    ['invalid_request'],
  );

  const overview = await getOk(`/console/overview?${period}&bucket=day`);
  assert.equal(overview.totals.requests, records.length);
  assert.equal(overview.totals.errors, records.filter((r) => r.outcome !== 'success').length);
  assert.equal(
    overview.totals.creditsChargedMicro,
    records.reduce((sum, r) => sum + (r.creditsChargedMicro ?? 0), 0),
  );
  assert.equal(overview.series.length, 2);
  assert.deepEqual(overview.topSites.map((s: { id: string }) => s.id).sort(), ['fra-1', 'par-1']);
  assert.deepEqual(overview.denials, [
    {
      reason: 'policy_denied',
      kind: 'policy',
      requests: records.filter((r) => r.outcome === 'rejected').length,
      recorded: true,
    },
  ]);
  // Latencies are 40·i ms; the median of i = 0..119 is 59·40 = 2360 ms, in the bucket up to 3000 ms.
  assert.equal(overview.totals.latencyP50Ms, 3000);
});

test('flows go from each home to the sites that served it, sized by requests', async () => {
  const body = await getOk(`/usage/flows?${period}`);
  const want = new Map<string, number>();
  for (const r of records.filter((x) => x.siteId !== null)) {
    const id = `${r.organizationId}>${r.siteId}>${r.jurisdiction}`;
    want.set(id, (want.get(id) ?? 0) + 1);
  }
  assert.deepEqual(
    new Map(body.flows.map((f: any) => [`${f.organizationId}>${f.siteId}>${f.jurisdiction}`, f.requests])),
    want,
  );
  const homes = new Map(body.flows.map((f: any) => [f.organizationId, f.homeJurisdiction]));
  assert.deepEqual(Object.fromEntries(homes), { acme: 'DE', globex: 'FR' });
});

test('the request list pages newest first by cursor, with the new filters', async () => {
  const want = records
    .filter((r) => r.organizationId === 'acme' && r.siteId === 'par-1' && r.status === 200)
    .map((r) => r.id)
    .reverse();
  const seen: string[] = [];
  let after = '';
  for (;;) {
    const page = await getOk(
      `/usage?organizationId=acme&siteId=par-1&status=200&order=desc&totals=false&limit=7${after}`,
      acmeAdmin,
    );
    assert.equal(page.totals, undefined);
    seen.push(...page.data.map((r: { id: string }) => r.id));
    if (!page.has_more) break;
    after = `&after=${page.last_id}`;
  }
  assert.deepEqual(seen, want);
  const keyed = await getOk('/usage?apiKeyId=globex-k0&outcome=success&limit=200');
  assert.deepEqual(
    keyed.data.map((r: { id: string }) => r.id),
    records.filter((r) => r.apiKeyId === 'globex-k0' && r.outcome === 'success').map((r) => r.id),
  );
});
