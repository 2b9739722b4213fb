import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminChangeLog,
  CheckpointPublisher,
  LogSigner,
  type ReceiptFacts,
  TransparencyLog,
} from '../../src/audit/index.js';
import { UsageRepository } from '../../src/metering/index.js';
import { GroupCommitWriter, openSqliteStore, type Store } from '../../src/store/index.js';
import { TestUsageRecorder } from './test-usage-recorder.js';

/** A transparency log wired as the server wires it, on a SQLite file of its own, without HTTP. */
export interface AuditLogFixture {
  readonly dir: string;
  readonly path: string;
  readonly store: Store;
  readonly writer: GroupCommitWriter;
  readonly log: TransparencyLog;
  readonly signer: LogSigner;
  readonly checkpoints: CheckpointPublisher;
  readonly recorder: TestUsageRecorder;
  readonly adminChanges: AdminChangeLog;
  /** Closes the store and removes the directory. */
  dispose(): Promise<void>;
}

export const testFacts: ReceiptFacts = Object.freeze({
  requestSha256: 'a'.repeat(64),
  responseSha256: 'b'.repeat(64),
  engineKind: 'openai',
  modelSha256: null,
  accelerators: [{ vendor: 'nvidia', type: 'H200' }],
  creditsChargedMicro: null,
});

export async function startAuditLogFixture(): Promise<AuditLogFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-audit-'));
  const path = join(dir, 'commonweal.sqlite');
  const store = await openSqliteStore(path);
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const log = new TransparencyLog(store);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new LogSigner('test.example/log', privateKey, publicKey);
  const checkpoints = new CheckpointPublisher({
    store,
    writer,
    log,
    signer,
    intervalMs: 60_000,
    onError: () => undefined,
  });
  const recorder = new TestUsageRecorder(writer, new UsageRepository(store), log);
  return {
    dir,
    path,
    store,
    writer,
    log,
    signer,
    checkpoints,
    recorder,
    adminChanges: new AdminChangeLog(writer, log),
    async dispose() {
      await checkpoints.stop();
      await writer.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
