import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { usageInput } from '../../test/helpers/usage-input.js';
import { openSqliteStore, type Store } from '../store/index.js';
import { estimateUsage } from './estimate-tokens.js';
import { GroupCommitWriter } from './group-commit-writer.js';
import { UsageRecorder } from './usage-recorder.js';
import { UsageRepository } from './usage-repository.js';

describe('UsageRecorder', () => {
  let dir: string;
  let path: string;
  let store: Store;
  let writer: GroupCommitWriter;
  let repository: UsageRepository;
  let recorder: UsageRecorder;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-recorder-'));
    path = join(dir, 'commonweal.db');
    store = await openSqliteStore(path);
    writer = new GroupCommitWriter(store);
    repository = new UsageRepository(store);
    recorder = new UsageRecorder(writer, repository);
  });

  afterEach(async () => {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records usage, stamped with the time it was recorded', async () => {
    const before = new Date().toISOString();
    await recorder.recordUsage(usageInput('req_1'));
    const [record] = (await repository.query({}, { limit: 10 })).data;
    assert.ok(record !== undefined);
    const { createdAt, ...rest } = record;
    assert.deepEqual(rest, { object: 'usage_record', ...usageInput('req_1'), policyVersion: null });
    assert.ok(createdAt >= before && createdAt <= new Date().toISOString());
  });

  it('runs settlement steps in the same transaction: a failing step leaves no usage record', async () => {
    const seen: string[] = [];
    const settling = new UsageRecorder<{ readonly fail: boolean }>(writer, repository, [
      async (_tx, record, context) => {
        seen.push(record.id);
        if (context.fail) throw new Error('ledger refused');
      },
    ]);
    await settling.recordUsage(usageInput('req_ok'), { fail: false });
    await assert.rejects(settling.recordUsage(usageInput('req_bad'), { fail: true }), /ledger refused/);
    assert.deepEqual(seen.slice(0, 2), ['req_ok', 'req_bad']);
    assert.deepEqual((await repository.query({}, { limit: 10 })).data.map((r) => r.id), ['req_ok']);
  });

  it('keeps the index its receipt writer returns on the usage record, after the steps; a failing receipt leaves no record', async () => {
    const order: string[] = [];
    const receipted = new UsageRecorder<{ readonly fail: boolean }>(
      writer,
      repository,
      [async (_tx, record) => void order.push(`step ${record.id}`)],
      async (_tx, record, context) => {
        order.push(`receipt ${record.id}`);
        if (context.fail) throw new Error('log refused');
        return 41;
      },
    );
    await receipted.recordUsage(usageInput('req_r'), { fail: false });
    await assert.rejects(receipted.recordUsage(usageInput('req_no_receipt'), { fail: true }), /log refused/);
    assert.deepEqual(order.slice(0, 2), ['step req_r', 'receipt req_r']);
    const rows = await store.db.selectFrom('usageRecords').select(['id', 'receiptLeaf']).execute();
    assert.deepEqual(rows, [{ id: 'req_r', receiptLeaf: 41 }]);
    const [record] = (await repository.query({}, { limit: 1 })).data;
    assert.equal(Object.hasOwn(record!, 'receiptLeaf'), false, 'the leaf index is the log\'s business, not part of the record a client reads');
  });

  it('records an estimate for a model server that reported no usage', async () => {
    await recorder.recordUsage(usageInput('req_est', estimateUsage('What is the capital of France?', 'Paris.')));
    assert.deepEqual(await repository.totals({}), {
      requests: 1,
      promptTokens: 8,
      completionTokens: 2,
      totalTokens: 10,
      creditsChargedMicro: 0,
      creditsWrittenOffMicro: 0,
    });
    const [record] = (await repository.query({}, { limit: 1 })).data;
    assert.equal(record?.usageEstimated, true);
  });

  it('refuses counts that are not non-negative integers, and writes nothing', async () => {
    await assert.rejects(recorder.recordUsage(usageInput('req_neg', { promptTokens: -1 })), TypeError);
    await assert.rejects(recorder.recordUsage(usageInput('req_frac', { completionTokens: 1.5 })), TypeError);
    await assert.rejects(recorder.recordUsage(usageInput('req_place', { jurisdiction: 'France' })), TypeError);
    await assert.rejects(recorder.recordUsage(usageInput('req_policy', { policyVersion: -2 })), TypeError);
    assert.equal((await repository.totals({})).requests, 0);
  });

  it('keeps every record it confirmed when the process is killed', async () => {
    // A child process records usage as fast as it can and prints each id once its
    // promise resolves; it is killed without warning in the middle of that work.
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
    const rows = await reopened.db.selectFrom('usageRecords').select('id').execute();
    await reopened.close();
    const stored = new Set(rows.map((row) => row.id));
    assert.deepEqual(
      printed.filter((id) => !stored.has(id)),
      [],
    );
  });
});

// Bounded, so that a child the test fails to kill still ends on its own.
const childSource = `
const [storeUrl, meteringUrl, path, templateJson] = process.argv.slice(1);
const { openSqliteStore } = await import(storeUrl);
const { GroupCommitWriter, UsageRecorder, UsageRepository } = await import(meteringUrl);
const store = await openSqliteStore(path);
const recorder = new UsageRecorder(new GroupCommitWriter(store), new UsageRepository(store));
const template = JSON.parse(templateJson);
let next = 0;
function recordNext() {
  if (next >= 200000) return;
  const id = 'req_' + next++;
  recorder.recordUsage({ ...template, id }).then(() => {
    process.stdout.write(id + '\\n');
    recordNext();
  });
}
for (let i = 0; i < 64; i += 1) recordNext();
`;
