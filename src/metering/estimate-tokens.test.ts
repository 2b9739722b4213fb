import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateTokens, estimateUsage } from './estimate-tokens.js';

describe('estimateTokens', () => {
  it('counts a token per four UTF-8 bytes, rounding up', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abcd'), 1);
    assert.equal(estimateTokens('abcde'), 2);
  });

  it('counts bytes, not characters, so other scripts are not undercounted', () => {
    // Four CJK characters are twelve bytes; "é" is two bytes; the emoji is four.
    assert.equal(estimateTokens('主权人工'), 3);
    assert.equal(estimateTokens('été'), 2);
    assert.equal(estimateTokens('🌍'), 1);
  });
});

describe('estimateUsage', () => {
  it('adds prompt and completion and flags the result as estimated', () => {
    assert.deepEqual(estimateUsage('a'.repeat(40), 'b'.repeat(9)), {
      promptTokens: 10,
      completionTokens: 3,
      totalTokens: 13,
      usageEstimated: true,
    });
  });
});
