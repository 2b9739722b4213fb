import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import pg from 'pg';
import { callAdmin } from '../helpers/admin-client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { requireService } from '../helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';
import { startTempPlatform } from '../helpers/temp-platform.js';

test('the whole platform runs on PostgreSQL: admin API, inference, usage records', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const upstream = await FakeUpstream.start();
  const platform = await startTempPlatform(undefined, { database: { url: database.url } });
  try {
    const admin = async (path: string, body: unknown) => {
      const answer = await callAdmin(platform.url, 'POST', path, { body });
      assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    await admin('/admin/v1/orgs', { id: 'acme', name: 'Acme', homeJurisdiction: 'SE' });
    await admin('/admin/v1/orgs/acme/projects', { id: 'main', name: 'Main' });
    // Billing is on by default; this also runs the credits ledger on PostgreSQL.
    await admin('/admin/v1/orgs/acme/credits', { amountMicro: 1_000_000 });
    const key = await admin('/admin/v1/orgs/acme/keys', { projectId: 'main' });
    await admin('/admin/v1/models', { id: 'fake-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 2 });
    await admin('/admin/v1/sites', { id: 'sto-1', name: 'Stockholm', jurisdiction: 'SE' });
    await admin('/admin/v1/deployments', {
      id: 'dep-0',
      modelId: 'fake-model',
      siteId: 'sto-1',
      kind: 'openai',
      baseUrl: upstream.baseUrl,
    });

    const client = new OpenAI({ apiKey: key.secret, baseURL: `${platform.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'fake-model', messages: [{ role: 'user', content: 'hej' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id');

    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    try {
      const rows = await direct.query('select site_id, jurisdiction, outcome from usage_records where id = $1', [
        requestId,
      ]);
      assert.deepEqual(rows.rows, [{ site_id: 'sto-1', jurisdiction: 'SE', outcome: 'success' }]);
      const keys = await direct.query('select count(*)::int as n from api_keys where organization_id = $1', ['acme']);
      assert.equal(keys.rows[0].n, 1);
    } finally {
      await direct.end();
    }
  } finally {
    await platform.dispose();
    await upstream.close();
    await database.drop();
  }
});
