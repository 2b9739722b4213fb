import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIError } from 'openai';
import { request } from 'undici';
import type { UsageRecord } from '../../src/metering/index.js';
import { callAdmin } from './admin-client.js';

/** A usage record as GET /admin/v1/usage returns it: the metering module's own type. */
export type UsageRecordView = UsageRecord;

const usagePageCountMax = 1000;
const usageWaitAttemptsMax = 250;

/**
 * Rejects when `promise` has not settled after `guardMs`. It is a guard against a hang,
 * so that a broken gateway fails the test instead of stalling it, never a measure of speed.
 */
export async function withinGuard<T>(promise: Promise<T>, guardMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after the ${guardMs} ms guard`)), guardMs);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every usage record the server holds, by request id, read through the admin API page by page. */
export async function allUsageRecords(baseUrl: string): Promise<Map<string, UsageRecordView>> {
  const records = new Map<string, UsageRecordView>();
  let after: string | undefined;
  for (let page = 1; page <= usagePageCountMax; page++) {
    const query = `limit=200${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
    const answer = await callAdmin(baseUrl, 'GET', `/admin/v1/usage?${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    for (const record of answer.body.data as UsageRecordView[]) records.set(record.id, record);
    if (!answer.body.has_more) return records;
    after = answer.body.last_id;
  }
  assert.fail(`the usage listing did not end within ${usagePageCountMax} pages`);
}

export async function usageRecordOf(baseUrl: string, requestId: string): Promise<UsageRecordView | undefined> {
  return (await allUsageRecords(baseUrl)).get(requestId);
}

/**
 * Waits, a bounded number of times, for a request's usage record. Only for endings the
 * client does not wait for (it went away): any other record is durable before the
 * answer's last byte, so a test reads it at once with `usageRecordOf`.
 */
export async function waitForUsageRecord(baseUrl: string, requestId: string): Promise<UsageRecordView> {
  for (let attempt = 1; attempt <= usageWaitAttemptsMax; attempt++) {
    const record = await usageRecordOf(baseUrl, requestId);
    if (record !== undefined) return record;
    await sleep(20);
  }
  assert.fail(`no usage record for ${requestId} after ${usageWaitAttemptsMax} looks`);
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly requestId: string;
  readonly text: string;
}

/** POSTs to /v1 without the SDK, to see the bytes as they are: the SSE framing, `[DONE]`, error events. */
export async function postRaw(
  baseUrl: string,
  apiKey: string,
  path: string,
  body: unknown,
  guardMs = 10_000,
): Promise<RawAnswer> {
  const answer = await request(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headersTimeout: guardMs,
    bodyTimeout: guardMs,
  });
  const text = await answer.body.text();
  const requestId = answer.headers['x-request-id'];
  assert.equal(typeof requestId, 'string', 'every answer carries x-request-id');
  return { status: answer.statusCode, headers: answer.headers, requestId: requestId as string, text };
}

/** The `data:` payloads of an SSE text, in order. */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((event) => event.trim())
    .filter((event) => event.startsWith('data:'))
    .map((event) => event.slice(5).trim());
}

/** Checks the OpenAI error shape: `{"error":{"message","type","param","code"}}` and nothing else at the top. */
export function assertOpenAiError(body: unknown, code?: string | null): void {
  assert.equal(typeof body, 'object');
  assert.deepEqual(Object.keys(body as object), ['error']);
  const error = (body as { error: Record<string, unknown> }).error;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(typeof error.message, 'string');
  assert.ok((error.message as string).length > 0);
  assert.equal(typeof error.type, 'string');
  assert.ok(error.param === null || typeof error.param === 'string');
  assert.ok(error.code === null || typeof error.code === 'string');
  if (code !== undefined) assert.equal(error.code, code);
}

/**
 * Awaits a call that must fail with an `APIError` of class `kind` and this status, checks
 * that its body was in the OpenAI shape and that it names its request, and returns it.
 */
export async function expectApiError<E extends APIError>(
  call: Promise<unknown>,
  kind: abstract new (...args: never[]) => E,
  status: number,
  code: string | null,
): Promise<E> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof kind,
    `expected ${kind.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  assert.equal(caught.status, status, caught.message);
  assertOpenAiError({ error: caught.error }, code);
  assert.match(caught.requestID ?? '', /^req_/);
  return caught;
}
