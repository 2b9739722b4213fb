import { subscribe } from 'node:diagnostics_channel';
import { invariantViolationChannel } from '../../src/errors/index.js';

let subscribed = false;

/**
 * Makes any invariant violation in this test process crash it. The subscriber's throw
 * becomes an uncaught exception (Node does not let it reach the code that published),
 * which fails the test that was running even when the server answered the violation
 * with a 500 the test did not look at. Calling it again changes nothing.
 */
export function crashOnInvariantViolation(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe(invariantViolationChannel, (violation) => {
    throw violation;
  });
}
