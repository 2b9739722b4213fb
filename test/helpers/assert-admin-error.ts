import assert from 'node:assert/strict';
import type { JsonAnswer } from './admin-client.js';

/**
 * Asserts that an answer is an error in the OpenAI shape with the given status and
 * code, and that its message is a non-empty sentence. The whole body goes into the
 * failure message, so a wrong answer explains itself.
 */
export function assertAdminError(answer: JsonAnswer, status: number, code: string, param?: string | null): void {
  const shown = JSON.stringify(answer.body);
  assert.equal(answer.status, status, shown);
  assert.deepEqual(Object.keys(answer.body ?? {}), ['error'], shown);
  const error = answer.body.error;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'], shown);
  assert.equal(error.code, code, shown);
  assert.equal(typeof error.message, 'string', shown);
  assert.ok(error.message.length > 0, shown);
  assert.equal(typeof error.type, 'string', shown);
  if (param !== undefined) assert.equal(error.param, param, shown);
}
