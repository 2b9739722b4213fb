/** A limit of `limit` units (requests or tokens) per `periodMs`, all of which may come in one burst. */
export interface GcraRule {
  readonly limit: number;
  readonly periodMs: number;
}

export interface GcraOutcome {
  readonly allowed: boolean;
  /** The theoretical arrival time to store: advanced when allowed, unchanged when not. */
  readonly tatMs: number;
  /** Units that could still be taken at once after this decision. */
  readonly remaining: number;
  /** Until the limit is whole again. */
  readonly resetMs: number;
  /** When refused: how long until this cost would be allowed. Zero when allowed. */
  readonly retryAfterMs: number;
}

/**
 * The generic cell rate algorithm: one number per key, the theoretical arrival time
 * (TAT). Each unit pushes it `periodMs / limit` further; a request is allowed while the
 * TAT stays within one period of now. It needs no timer and no per-request history, and
 * its state fits one Redis key.
 */
export function gcra(tatMs: number | undefined, nowMs: number, rule: GcraRule, cost: number): GcraOutcome {
  const intervalMs = rule.periodMs / rule.limit;
  const base = Math.max(tatMs ?? nowMs, nowMs);
  const nextTatMs = base + cost * intervalMs;
  const remainingAt = (tat: number) => Math.max(0, Math.floor((rule.periodMs - (tat - nowMs)) / intervalMs + 1e-9));
  if (nextTatMs - nowMs > rule.periodMs) {
    return {
      allowed: false,
      tatMs: base,
      remaining: remainingAt(base),
      resetMs: base - nowMs,
      retryAfterMs: Math.ceil(nextTatMs - nowMs - rule.periodMs),
    };
  }
  return {
    allowed: true,
    tatMs: nextTatMs,
    remaining: remainingAt(nextTatMs),
    resetMs: nextTatMs - nowMs,
    retryAfterMs: 0,
  };
}
