import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';

let platform: TempPlatform;
before(async () => {
  platform = await startTempPlatform();
});
after(async () => platform.dispose());

test('an organization can be created and read back', async () => {
  const created = await callAdmin(platform.url, 'POST', '/admin/v1/orgs', {
    body: { id: 'acme', name: 'Acme', homeJurisdiction: 'DE' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const read = await callAdmin(platform.url, 'GET', '/admin/v1/orgs/acme');
  assert.equal(read.body.homeJurisdiction, 'DE');
});
