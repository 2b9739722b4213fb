/** Milliseconds from an arbitrary origin; only differences between readings mean anything. */
export type Clock = () => number;

/** The process's monotonic clock, which wall-clock adjustments cannot move backwards. */
export const monotonicClock: Clock = () => performance.now();
