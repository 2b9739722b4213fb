import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { usageRecord } from '../../test/helpers/usage-input.js';
import { CommonwealError } from '../errors/index.js';
import { openSqliteStore, type Store } from '../store/index.js';
import type { UsageRecord } from './usage-record.js';
import { UsageRepository } from './usage-repository.js';

// Written in this order, which is the order `query` must return them in.
const records: readonly UsageRecord[] = [
  usageRecord('req_1', '2025-02-28T23:59:59.999Z'),
  usageRecord('req_2', '2025-03-01T00:00:00.000Z', { modelId: 'llama-3.1-8b', promptTokens: 1, completionTokens: 2, totalTokens: 3 }),
  usageRecord('req_3', '2025-03-15T08:00:00.000Z', {
    projectId: 'prj_a2',
    usageEstimated: true,
    streamed: false,
    creditsPricedMicro: 90,
    creditsChargedMicro: 70,
    creditsWrittenOffMicro: 20,
  }),
  usageRecord('req_4', '2025-03-31T23:59:59.999Z', { organizationId: 'org_b', projectId: 'prj_b1', apiKeyId: 'key_b1' }),
  usageRecord('req_5', '2025-04-01T00:00:00.000Z', {
    endpoint: 'embeddings',
    deploymentId: null,
    siteId: null,
    jurisdiction: null,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    firstByteMs: null,
    status: 403,
    outcome: 'rejected',
    errorCode: 'policy_denied',
    streamed: false,
  }),
];

const noCredits = { creditsChargedMicro: 0, creditsWrittenOffMicro: 0 };

describe('UsageRepository', () => {
  let dir: string;
  let store: Store;
  let repository: UsageRepository;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-usage-'));
    store = await openSqliteStore(join(dir, 'commonweal.db'));
    repository = new UsageRepository(store);
    await store.db.transaction().execute(async (tx) => {
      for (const record of records) await repository.record(tx, record);
    });
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const idsOf = (page: { readonly data: readonly UsageRecord[] }): string[] => page.data.map((r) => r.id);

  it('reads back exactly what was recorded', async () => {
    const page = await repository.query({}, { limit: 10 });
    assert.deepEqual(page.data, records);
    assert.equal(page.has_more, false);
  });

  it('refuses a second record for the same request', async () => {
    await assert.rejects(
      store.db.transaction().execute((tx) => repository.record(tx, usageRecord('req_1', '2025-03-01T12:00:00.000Z'))),
      { code: 'already_exists' },
    );
  });

  it('filters by organization, project and model', async () => {
    assert.deepEqual(idsOf(await repository.query({ organizationId: 'org_a' }, { limit: 10 })), ['req_1', 'req_2', 'req_3', 'req_5']);
    assert.deepEqual(idsOf(await repository.query({ organizationId: 'org_a', projectId: 'prj_a2' }, { limit: 10 })), ['req_3']);
    assert.deepEqual(idsOf(await repository.query({ modelId: 'llama-3.1-8b' }, { limit: 10 })), ['req_2']);
  });

  it('takes since as inclusive and until as exclusive', async () => {
    const march = { since: '2025-03-01T00:00:00Z', until: '2025-04-01T00:00:00Z' };
    assert.deepEqual(idsOf(await repository.query(march, { limit: 10 })), ['req_2', 'req_3', 'req_4']);
  });

  it('compares bounds with an offset as the UTC instant they name', async () => {
    const page = await repository.query({ since: '2025-03-01T02:00:00+02:00', until: '2025-03-01T00:00:00.001Z' }, { limit: 10 });
    assert.deepEqual(idsOf(page), ['req_2']);
  });

  it('refuses a bound that is not a timestamp', async () => {
    await assert.rejects(repository.query({ since: 'last tuesday' }, { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof CommonwealError);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'since');
      return true;
    });
  });

  it('pages in write order with after', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let pageCount = 0; pageCount < 10; pageCount += 1) {
      const page = await repository.query({ organizationId: 'org_a' }, { limit: 2, after });
      seen.push(...idsOf(page));
      assert.equal(page.first_id, page.data[0]?.id ?? null);
      if (!page.has_more) break;
      after = page.last_id ?? undefined;
    }
    assert.deepEqual(seen, ['req_1', 'req_2', 'req_3', 'req_5']);
  });

  it('refuses a cursor it cannot find, including one from another organization', async () => {
    await assert.rejects(repository.query({}, { limit: 2, after: 'req_nope' }), { code: 'invalid_request', param: 'after' });
    await assert.rejects(repository.query({ organizationId: 'org_a' }, { limit: 2, after: 'req_4' }), { code: 'invalid_request' });
  });

  it('totals requests and tokens', async () => {
    assert.deepEqual(await repository.totals({ organizationId: 'org_a' }), {
      requests: 4,
      promptTokens: 21,
      completionTokens: 42,
      totalTokens: 63,
      creditsChargedMicro: 70,
      creditsWrittenOffMicro: 20,
    });
    assert.deepEqual(await repository.totals({ organizationId: 'org_nobody' }), {
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      creditsChargedMicro: 0,
      creditsWrittenOffMicro: 0,
    });
  });

  it('totals by model', async () => {
    assert.deepEqual(await repository.totalsByModel({ since: '2025-03-01T00:00:00Z', until: '2025-04-01T00:00:00Z' }), [
      { modelId: 'llama-3.1-8b', requests: 1, promptTokens: 1, completionTokens: 2, totalTokens: 3, ...noCredits },
      { modelId: 'qwen3-8b', requests: 2, promptTokens: 20, completionTokens: 40, totalTokens: 60, creditsChargedMicro: 70, creditsWrittenOffMicro: 20 },
    ]);
  });
});
