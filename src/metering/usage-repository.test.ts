import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { usageInput, usageRecord } from '../../test/helpers/usage-input.js';
import { writeOnce } from '../../test/helpers/write-once.js';
import { CommonwealError } from '../errors/index.js';
import { openSqliteStore, type Store } from '../store/index.js';
import type { UsageRecord } from './usage-record.js';
import { UsageRepository } from './usage-repository.js';

// Written in this order, which is the order `query` must return them in.
const records: readonly UsageRecord[] = [
  usageRecord('req_1', '2025-02-28T23:59:59.999Z'),
  usageRecord('req_2', '2025-03-01T00:00:00.000Z', {
    modelId: 'llama-3.1-8b',
    promptTokens: 1,
    completionTokens: 2,
    totalTokens: 3,
  }),
  usageRecord('req_3', '2025-03-15T08:00:00.000Z', {
    projectId: 'prj_a2',
    usageEstimated: true,
    streamed: false,
    creditsPricedMicro: 90,
    creditsChargedMicro: 70,
    creditsWrittenOffMicro: 20,
  }),
  usageRecord('req_4', '2025-03-31T23:59:59.999Z', {
    organizationId: 'org_b',
    projectId: 'prj_b1',
    apiKeyId: 'key_b1',
  }),
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
    await writeOnce(store, async (tx) => {
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
      writeOnce(store, (tx) => repository.record(tx, usageRecord('req_1', '2025-03-01T12:00:00.000Z'))),
      { code: 'already_exists' },
    );
  });

  it('filters by organization, project and model', async () => {
    assert.deepEqual(idsOf(await repository.query({ organizationId: 'org_a' }, { limit: 10 })), [
      'req_1',
      'req_2',
      'req_3',
      'req_5',
    ]);
    assert.deepEqual(idsOf(await repository.query({ organizationId: 'org_a', projectId: 'prj_a2' }, { limit: 10 })), [
      'req_3',
    ]);
    assert.deepEqual(idsOf(await repository.query({ modelId: 'llama-3.1-8b' }, { limit: 10 })), ['req_2']);
  });

  it('takes since as inclusive and until as exclusive', async () => {
    const march = { since: '2025-03-01T00:00:00Z', until: '2025-04-01T00:00:00Z' };
    assert.deepEqual(idsOf(await repository.query(march, { limit: 10 })), ['req_2', 'req_3', 'req_4']);
  });

  it('compares bounds with an offset as the UTC instant they name', async () => {
    const page = await repository.query(
      { since: '2025-03-01T02:00:00+02:00', until: '2025-03-01T00:00:00.001Z' },
      { limit: 10 },
    );
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
    await assert.rejects(repository.query({}, { limit: 2, after: 'req_nope' }), {
      code: 'invalid_request',
      param: 'after',
    });
    await assert.rejects(repository.query({ organizationId: 'org_a' }, { limit: 2, after: 'req_4' }), {
      code: 'invalid_request',
    });
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
      {
        modelId: 'qwen3-8b',
        requests: 2,
        promptTokens: 20,
        completionTokens: 40,
        totalTokens: 60,
        creditsChargedMicro: 70,
        creditsWrittenOffMicro: 20,
      },
    ]);
  });
});

test('keeps every record the writer confirmed when the process is killed', async () => {
  // A child process records usage as fast as it can and prints each id once its write
  // resolves; it is killed without warning in the middle of that work.
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-usage-kill-'));
  const path = join(dir, 'commonweal.db');
  try {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        childSource,
        new URL('../store/index.js', import.meta.url).href,
        new URL('./index.js', import.meta.url).href,
        path,
        JSON.stringify(usageInput('template')),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'close');
    let output = '';
    const printedEnough = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.split('\n').length > 500) resolve();
      });
    });
    await Promise.race([printedEnough, exited]);
    assert.equal(child.exitCode, null, 'the child stopped before it was killed');
    child.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
    const printed = output.split('\n').slice(0, -1);
    assert.ok(printed.length >= 500);
    const reopened = await openSqliteStore(path);
    const stored = new Set((await reopened.db.selectFrom('usageRecords').select('id').execute()).map((row) => row.id));
    await reopened.close();
    assert.deepEqual(
      printed.filter((id) => !stored.has(id)),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Bounded, so that a child the test fails to kill still ends on its own.
const childSource = `
const [storeUrl, meteringUrl, path, templateJson] = process.argv.slice(1);
const { GroupCommitWriter, openSqliteStore } = await import(storeUrl);
const { newUsageRecord, UsageRepository } = await import(meteringUrl);
const store = await openSqliteStore(path);
const writer = new GroupCommitWriter(store);
const usage = new UsageRepository(store);
const template = JSON.parse(templateJson);
let next = 0;
function recordNext() {
  if (next >= 200000) return;
  const id = 'req_' + next++;
  const record = newUsageRecord({ ...template, id });
  writer.submit((tx) => usage.record(tx, record)).then(() => {
    process.stdout.write(id + '\\n');
    recordNext();
  });
}
for (let i = 0; i < 64; i += 1) recordNext();
`;
