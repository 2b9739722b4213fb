import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireService } from '../../test/helpers/require-service.js';
import { createTempPostgresDatabase, postgresService } from '../../test/helpers/temp-postgres-database.js';
import { SignerLease } from './signer-lease.js';

test('one replica at a time holds the signing lease; another takes it once the holder lets go', async (t) => {
  if (!(await requireService(t, postgresService))) return;
  const database = await createTempPostgresDatabase();
  const session = (name: string) => ({
    connectionString: database.url,
    connectTimeoutMs: 5_000,
    applicationName: name,
  });
  const first = new SignerLease(session('first'), () => undefined);
  const second = new SignerLease(session('second'), () => undefined);
  try {
    assert.equal(await first.acquire(), true);
    assert.equal(await second.acquire(), false, 'the lease is taken');
    assert.equal(await first.acquire(), true, 'the holder keeps it');
    await first.release();
    assert.equal(first.held, false);
    assert.equal(await second.acquire(), true, 'released, it goes to the next replica that asks');
    assert.equal(await first.acquire(), false);
  } finally {
    await first.release();
    await second.release();
    await database.drop();
  }
});
