import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { testFacts } from '../../test/helpers/audit-log-fixture.js';
import { usageInput } from '../../test/helpers/usage-input.js';
import { TestUsageRecorder } from '../../test/helpers/test-usage-recorder.js';
import { UsageRepository } from '../metering/index.js';
import { GroupCommitWriter, openSqliteStore } from '../store/index.js';
import { openCheckpoint } from './checkpoint.js';
import { LogSigner } from './log-signer.js';
import { verifyStoredLog } from './verify-stored-log.js';
import { TransparencyLog } from './transparency-log.js';
import { verifyConsistency } from './verify-proofs.js';

/*
 * A log that crashes must come back as an extension of every checkpoint it published:
 * a child process appends receipts as fast as it can and publishes checkpoints as it
 * goes, printing each signed one once it is stored, and is killed with SIGKILL in the
 * middle of that work.
 */

// Bounded, so that a child the test fails to kill still ends on its own.
const childSource = `
const [auditUrl, storeUrl, meteringUrl, recorderUrl, path, pem, templateJson, factsJson] = process.argv.slice(1);
const { createPrivateKey, createPublicKey } = await import('node:crypto');
const { CheckpointPublisher, LogSigner, TransparencyLog } = await import(auditUrl);
const { GroupCommitWriter, openSqliteStore } = await import(storeUrl);
const { UsageRepository } = await import(meteringUrl);
const { TestUsageRecorder } = await import(recorderUrl);
const store = await openSqliteStore(path);
const writer = new GroupCommitWriter(store);
const log = new TransparencyLog(store);
const key = createPrivateKey(pem);
const signer = new LogSigner('test.example/log', key, createPublicKey(key));
const checkpoints = new CheckpointPublisher({ store, writer, log, signer, intervalMs: 1000, onError: () => {} });
const recorder = new TestUsageRecorder(writer, new UsageRepository(store), log);
const template = JSON.parse(templateJson);
const facts = JSON.parse(factsJson);
let next = 0;
function recordNext() {
  if (next >= 200000) return;
  const id = 'req_' + next++;
  recorder.recordUsage({ ...template, id }, facts).then(recordNext);
}
for (let i = 0; i < 32; i += 1) recordNext();
async function publishForever() {
  for (let i = 0; i < 100000; i += 1) {
    const checkpoint = await checkpoints.publish();
    process.stdout.write(JSON.stringify({ note: checkpoint.note }) + '\\n');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
publishForever();
`;

test('after SIGKILL during appends, the log is consistent with the last checkpoint it published, and grows on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-crash-'));
  const path = join(dir, 'commonweal.sqlite');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      childSource,
      new URL('./index.js', import.meta.url).href,
      new URL('../store/index.js', import.meta.url).href,
      new URL('../metering/index.js', import.meta.url).href,
      new URL('../../test/helpers/test-usage-recorder.js', import.meta.url).href,
      path,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      JSON.stringify(usageInput('template')),
      JSON.stringify(testFacts),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'close');
  let output = '';
  const printed = () =>
    output
      .split('\n')
      .slice(0, -1)
      .map((line) => (JSON.parse(line) as { note: string }).note);
  const enough = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const notes = printed();
      if (notes.length >= 20 && Number(notes.at(-1)!.split('\n')[1]) >= 500) resolve();
    });
  });
  await Promise.race([enough, exited]);
  assert.equal(child.exitCode, null, 'the child stopped before it was killed');
  child.kill('SIGKILL');
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');

  const key = new LogSigner('test.example/log', privateKey, publicKey).key;
  const notes = printed();
  const last = openCheckpoint(notes.at(-1)!, key);
  const store = await openSqliteStore(path);
  const writer = new GroupCommitWriter(store);
  const log = new TransparencyLog(store);
  try {
    const size = await log.size();
    assert.ok(size >= last.size, `the log holds ${size} leaves, fewer than the ${last.size} it signed`);
    const proof = size === last.size ? [] : await log.consistencyProof(last.size, size);
    assert.ok(verifyConsistency(last.size, size, proof, last.root, await log.rootAt(size)));
    assert.deepEqual((await verifyStoredLog(store, key, { trustedCheckpoints: notes })).problems, []);
    // The restarted log appends on top of what survived, and stays consistent with the checkpoint.
    const recorder = new TestUsageRecorder(writer, new UsageRepository(store), log);
    await recorder.recordUsage(usageInput('req_after_restart'), testFacts);
    const grown = await log.size();
    assert.equal(grown, size + 1);
    assert.ok(
      verifyConsistency(
        last.size,
        grown,
        await log.consistencyProof(last.size, grown),
        last.root,
        await log.rootAt(grown),
      ),
    );
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
