import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { requireService } from '../helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../helpers/temp-postgres-database.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';

/** PostgreSQL text cannot hold NUL: each of these was a 500 there, and is a 400 on every store. */
async function refusals(platform: TempPlatform): Promise<void> {
  const gets = [
    '/admin/v1/orgs/%00/policy',
    '/admin/v1/orgs/a%00b',
    '/admin/v1/usage?organizationId=%00',
    '/v1/receipts/%00',
  ];
  for (const path of gets) assertAdminError(await callAdmin(platform.url, 'GET', path), 400, 'invalid_request');
  const body = { id: 'nul-org', name: 'a\u0000b', homeJurisdiction: 'DE' };
  assertAdminError(await callAdmin(platform.url, 'POST', '/admin/v1/orgs', { body }), 400, 'invalid_request');
  const orgs = await callAdmin(platform.url, 'GET', '/admin/v1/orgs');
  const ids = (orgs.body.data as { id: string }[]).map((org) => org.id);
  assert.ok(!ids.includes('nul-org'), 'the refused organization was not created');
}

test('a NUL character in a URL or an admin body is a 400 on SQLite', async () => {
  const platform = await startTempPlatform();
  try {
    await refusals(platform);
  } finally {
    await platform.dispose();
  }
});

test('a NUL character in a URL or an admin body is a 400 on PostgreSQL', async (t: TestContext) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const platform = await startTempPlatform(undefined, { database: { url: database.url } });
  try {
    await refusals(platform);
  } finally {
    await platform.dispose();
    await database.drop();
  }
});
