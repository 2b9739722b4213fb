import { channel } from 'node:diagnostics_channel';

/**
 * A broken invariant: a bug in Commonweal, never the client's doing, so it carries no
 * error code and is answered as a generic `internal_error` with its stack in the log.
 */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

/**
 * The diagnostics channel every violation is published on just before it is thrown.
 * A production process leaves it unheard: the violation refuses the operation and the
 * error handler logs it. The test harness subscribes with a subscriber that throws,
 * which Node turns into an uncaught exception, so the test process crashes loudly even
 * when the violation was answered as a 500 the test did not look at.
 */
export const invariantViolationChannel = 'commonweal:invariant-violation';

const violations = channel(invariantViolationChannel);

/**
 * Checks what must always hold, TigerBeetle-style: callers check before they write, or
 * inside the transaction, so a violation refuses the operation and nothing of it is
 * written. `message` is a constant string, so the passing case allocates nothing.
 */
export function invariant(condition: boolean, message: string): asserts condition {
  if (condition) return;
  const violation = new InvariantViolation(message);
  violations.publish(violation);
  throw violation;
}
