import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { choicesMax, completionLengthOf } from './completion-length.js';

function refusal(body: Record<string, unknown>): { code: string; param: string | null } {
  try {
    completionLengthOf(body, 'chat.completions', null);
  } catch (error) {
    assert.ok(error instanceof CommonwealError);
    return { code: error.code, param: error.param };
  }
  assert.fail(`${JSON.stringify(body)} was accepted`);
}

test('the smaller of max_tokens and max_completion_tokens is the one bound, capped by the context', () => {
  assert.deepEqual(completionLengthOf({ max_completion_tokens: 1, max_tokens: 5000 }, 'chat.completions', null), {
    maxTokensPerChoice: 1,
    choices: 1,
  });
  assert.equal(
    completionLengthOf({ max_tokens: 7, max_completion_tokens: 90 }, 'chat.completions', null).maxTokensPerChoice,
    7,
  );
  assert.equal(completionLengthOf({ max_tokens: 1_000_000 }, 'chat.completions', 8192).maxTokensPerChoice, 8192);
  assert.equal(completionLengthOf({ max_tokens: null, n: 3 }, 'chat.completions', 8192).maxTokensPerChoice, null);
  assert.equal(completionLengthOf({ n: 3 }, 'chat.completions', null).choices, 3);
});

test('a length the hold could not pay for exactly is refused, naming the field', () => {
  for (const field of ['max_tokens', 'max_completion_tokens', 'n']) {
    for (const value of [0, -1, 1.5, '10', true, {}])
      assert.deepEqual(refusal({ [field]: value }), { code: 'invalid_request', param: field });
  }
  assert.deepEqual(refusal({ n: choicesMax + 1 }), { code: 'invalid_request', param: 'n' });
});

test("the length fields of other servers' APIs are refused rather than passed on unbounded", () => {
  for (const field of ['n_predict', 'num_predict', 'max_new_tokens']) {
    assert.deepEqual(refusal({ [field]: 10 }), { code: 'invalid_request', param: field });
  }
  assert.throws(() => completionLengthOf({ n_predict: 10 }, 'embeddings', null), /n_predict is not supported/);
});
