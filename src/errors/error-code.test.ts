import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CommonwealError } from './commonweal-error.js';
import { type ErrorCode, errorCodeInfo } from './error-code.js';
import { toErrorAnswer } from './openai-error-body.js';

test('docs/errors.md documents every error code with its status and type', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, info] of Object.entries(errorCodeInfo)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    assert.ok(row.includes(`| ${info.status} | ${info.type} |`), `docs/errors.md row for ${code} disagrees: ${row}`);
  }
});

test('a CommonwealError becomes the OpenAI error shape with its status', () => {
  const answer = toErrorAnswer(new CommonwealError('unknown_field', 'unknown field "x"', { param: 'x' }));
  assert.equal(answer.status, 400);
  assert.deepEqual(answer.body, {
    error: { message: 'unknown field "x"', type: 'invalid_request_error', param: 'x', code: 'unknown_field' },
  });
  assert.equal(answer.isUnexpected, false);
});

test('an unknown error becomes a generic 500 that leaks nothing', () => {
  const answer = toErrorAnswer(new Error('password=hunter2 at /srv/secret'));
  assert.equal(answer.status, 500);
  assert.equal(answer.isUnexpected, true);
  assert.doesNotMatch(JSON.stringify(answer.body), /hunter2|secret/);
  assert.equal(answer.body.error.code, 'internal_error' satisfies ErrorCode);
});
