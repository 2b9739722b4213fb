import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../catalog/index.js';
import { completionLengthOf } from './completion-length.js';
import { requestTokenBound } from './request-cost-bound.js';

const model = (contextLength: number | null): Model => ({
  object: 'model',
  id: 'm',
  family: null,
  origin: null,
  license: null,
  parameterCount: null,
  contextLength,
  inputPriceMicroPerMtok: 1,
  outputPriceMicroPerMtok: 1,
  tags: [],
  createdAt: '',
  updatedAt: '',
});

function bound(
  body: Record<string, unknown>,
  contextLength: number | null,
  endpoint: 'chat.completions' | 'embeddings' = 'chat.completions',
) {
  const completion = completionLengthOf(body, endpoint, contextLength);
  const bodySizeBytes = Buffer.byteLength(JSON.stringify(body));
  return requestTokenBound({ body, model: model(contextLength), bodySizeBytes, endpoint, completion }, 4096);
}

test('the prompt bound covers every UTF-8 byte of the body plus the template; the completion, max_tokens times n', () => {
  const body = {
    model: 'm',
    messages: [
      { role: 'user', content: '日本語のテキスト' },
      { role: 'user', content: 'x' },
    ],
    max_tokens: 100,
    n: 3,
  };
  const result = bound(body, null);
  assert.equal(result.promptTokensMax, Buffer.byteLength(JSON.stringify(body)) + 64 + 16);
  assert.ok(result.promptTokensMax >= Buffer.byteLength('日本語のテキスト'), 'at least one token per byte of text');
  assert.equal(result.completionTokensMax, 300);
});

test('without max_tokens the completion is bounded by the context length, or by the default when it is unknown', () => {
  assert.equal(bound({ messages: [] }, 8192).completionTokensMax, 8192);
  assert.equal(bound({ messages: [] }, null).completionTokensMax, 4096);
  assert.equal(bound({ messages: [], max_completion_tokens: 10, max_tokens: 99 }, null).completionTokensMax, 10);
  assert.equal(
    bound({ messages: [], max_tokens: 1_000_000 }, 8192).completionTokensMax,
    8192,
    'the context caps what is asked',
  );
  assert.equal(bound({ input: 'x' }, null, 'embeddings').completionTokensMax, 0);
});
