import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ExchangeDigest, type ReceiptFacts, receiptText, TransparencyLog, toReceipt } from '../../src/audit/index.js';
import { newUsageRecord, UsageRepository } from '../../src/metering/index.js';
import { GroupCommitWriter, openSqliteStore } from '../../src/store/index.js';
import { usageInput } from '../../test/helpers/usage-input.js';

/** What each metered request does beyond its usage record. */
export type AppendMode = 'usage' | 'digests' | 'receipts';

export const appendModeLabels: Readonly<Record<AppendMode, string>> = {
  usage: 'usage record only (receipts off)',
  digests: 'usage record + request/response SHA-256',
  receipts: 'usage record + digests + receipt leaf (receipts on)',
};

export interface AppendSample {
  readonly mode: AppendMode;
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** CPU time of this process per request, user + system. */
  readonly cpuMicrosPerRequest: number;
  readonly transactions: number;
}

const template = usageInput('', {
  organizationId: 'org_bench',
  projectId: 'prj_bench',
  apiKeyId: 'key_bench',
  promptTokens: 812,
  completionTokens: 256,
  totalTokens: 1068,
  totalMs: 1500,
});

/** A typical chat request body and answer, so that the digests cost what they cost in the gateway. */
const requestBody = Buffer.from(
  JSON.stringify({ model: 'qwen3-8b', messages: [{ role: 'user', content: 'x'.repeat(3_000) }], stream: true }),
);
const answerChunk = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_800_000_000, model: 'qwen3-8b', choices: [{ index: 0, delta: { content: 'token ' }, finish_reason: null }] })}\n\n`;
const answerChunks = 256;

/**
 * Metered requests per second through the real durable path — the group-commit writer,
 * the usage record and, by `mode`, the digests the gateway takes and the receipt —
 * with `concurrency` requests in flight, as a busy gateway has them.
 */
export async function measureAppends(mode: AppendMode, requests: number, concurrency: number): Promise<AppendSample> {
  const receipts = mode === 'receipts';
  const digests = mode !== 'usage';
  const dir = mkdtempSync(join(tmpdir(), 'commonweal-bench-audit-'));
  const store = await openSqliteStore(join(dir, 'commonweal.sqlite'));
  const writer = new GroupCommitWriter(store);
  const log = new TransparencyLog(store);
  const facts = (digest: ExchangeDigest): ReceiptFacts => ({
    requestSha256: digest.requestSha256,
    responseSha256: digest.responseSha256(),
    engineKind: 'openai',
    modelSha256: null,
    accelerators: [{ vendor: 'nvidia', type: 'H200' }],
    creditsChargedMicro: null,
  });
  const usage = new UsageRepository(store);
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const id = `req_${next++}`;
      // Without receipts the gateway hashes nothing, so the digests count on the receipts' side only.
      const digest = digests ? new ExchangeDigest(requestBody) : (undefined as unknown as ExchangeDigest);
      if (digests) {
        for (let i = 0; i < answerChunks; i += 1) digest.relayed(answerChunk);
        digest.responseSha256();
      }
      const record = newUsageRecord({ ...template, id });
      await writer.submit(async (tx) => {
        const leaf = receipts ? await log.append(tx, receiptText(toReceipt(record, facts(digest)))) : null;
        await usage.record(tx, record, leaf);
      });
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const transactions = writer.stats().transactionsCommitted;
  await writer.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    requests,
    seconds,
    perSecond: requests / seconds,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / requests,
    transactions,
  };
}
