import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { InvariantViolation, invariant, invariantViolationChannel } from './invariant.js';
import { toErrorAnswer } from './openai-error-body.js';

describe('invariant', () => {
  it('returns when the condition holds, and publishes nothing', () => {
    const heard: unknown[] = [];
    const listener = (message: unknown) => heard.push(message);
    subscribe(invariantViolationChannel, listener);
    try {
      invariant(true, 'never broken');
    } finally {
      unsubscribe(invariantViolationChannel, listener);
    }
    assert.deepEqual(heard, []);
  });

  it('publishes the violation, then throws it', () => {
    const heard: unknown[] = [];
    const listener = (message: unknown) => heard.push(message);
    subscribe(invariantViolationChannel, listener);
    try {
      assert.throws(() => invariant(false, 'a debit never exceeds its credit'), {
        name: 'InvariantViolation',
        message: 'a debit never exceeds its credit',
      });
    } finally {
      unsubscribe(invariantViolationChannel, listener);
    }
    assert.equal(heard.length, 1);
    assert.ok(heard[0] instanceof InvariantViolation);
    assert.equal((heard[0] as Error).message, 'a debit never exceeds its credit');
  });

  it('is answered as a generic internal error that leaks nothing and asks to be logged', () => {
    const answer = toErrorAnswer(new InvariantViolation('leaf 7 is not at the edge'));
    assert.equal(answer.status, 500);
    assert.equal(answer.isUnexpected, true);
    assert.equal(answer.body.error.code, 'internal_error');
    assert.doesNotMatch(answer.body.error.message, /leaf/);
  });
});
