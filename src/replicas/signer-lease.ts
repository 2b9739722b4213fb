import type pg from 'pg';
import type { SigningLease } from '../audit/index.js';
import { openSessionClient, type SessionOptions } from './session-client.js';

/** The session advisory lock that makes its holder the log's signer; distinct from every transaction lock. */
const signerLockKey = 0x436f_6d6d_0011;

/**
 * The signing lease of replicas sharing PostgreSQL: a session-level advisory lock on a
 * connection of its own. Whoever holds it signs the periodic checkpoints; when its
 * process dies, PostgreSQL ends the session and frees the lock, and the next replica to
 * try takes it, within one checkpoint interval. A holder checks its session at every
 * call, so that one whose connection broke stops signing as soon as it notices.
 */
export class SignerLease implements SigningLease {
  readonly #options: SessionOptions;
  readonly #onError: (error: unknown) => void;
  #client: pg.Client | undefined;
  #held = false;

  constructor(options: SessionOptions, onError: (error: unknown) => void) {
    this.#options = options;
    this.#onError = onError;
  }

  get held(): boolean {
    return this.#held;
  }

  async acquire(): Promise<boolean> {
    try {
      this.#client ??= await openSessionClient(this.#options, (error) => this.#lose(error));
      if (this.#held) {
        await this.#client.query('select 1');
        return this.#held;
      }
      const { rows } = await this.#client.query<{ held: boolean }>('select pg_try_advisory_lock($1) as held', [
        signerLockKey,
      ]);
      this.#held = rows[0]?.held === true;
      return this.#held;
    } catch (error) {
      this.#lose(error);
      return false;
    }
  }

  /** Gives the lease up by ending its session, so that another replica signs without waiting for a timeout. */
  async release(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#held = false;
    await client?.end();
  }

  #lose(error: unknown): void {
    if (this.#held) this.#onError(error);
    this.#held = false;
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => undefined);
  }
}
