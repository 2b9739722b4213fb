import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { withinGuard } from './gateway-calls.js';
import { exitOf, type ServeProcess } from './spawn-cli.js';

export interface KillMidLoadOptions<O> {
  readonly requests: number;
  /** Requests start this far apart, so that answers end one after another rather than all at once. */
  readonly staggerMs: number;
  /** How long the first answers, and then the settling of every request, may take. */
  readonly guardMs: number;
  /** Sends request `index` and resolves with what the client got, whatever happens to the server. */
  readonly fire: (index: number) => Promise<O>;
  /** Sees each outcome as it settles; true once enough have arrived to kill the server. */
  readonly enough: (outcome: O) => boolean;
}

/**
 * Fires a round of concurrent requests at a spawned server, SIGKILLs it once `enough`
 * says so, with the rest still in flight, and resolves with every request's outcome.
 */
export async function killMidLoad<O>(running: ServeProcess, options: KillMidLoadOptions<O>): Promise<O[]> {
  let onEnough!: () => void;
  const enough = new Promise<void>((resolve) => (onEnough = resolve));
  const outcomes = Array.from({ length: options.requests }, async (_, index) => {
    await sleep(index * options.staggerMs);
    const outcome = await options.fire(index);
    if (options.enough(outcome)) onEnough();
    return outcome;
  });
  await withinGuard(enough, options.guardMs, 'the first complete answers');
  running.child.kill('SIGKILL');
  assert.equal(await exitOf(running.child), null, 'killed by the signal, not exited');
  return withinGuard(Promise.all(outcomes), options.guardMs, 'every request of the round settles after the kill');
}
