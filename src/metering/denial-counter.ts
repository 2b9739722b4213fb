import { CompiledQuery } from 'kysely';
import type { GroupCommitWriter, WriteTransaction } from '../store/index.js';

export interface DenialCounterOptions {
  /** How often the counts go to the store; a crash loses at most this much of them. */
  readonly flushIntervalMs: number;
  readonly onError: (error: unknown) => void;
}

interface Count {
  readonly bucketStart: string;
  readonly organizationId: string;
  readonly errorCode: string;
  requests: number;
}

/**
 * Past this many distinct (hour, organization, code) counts between flushes, new ones are
 * counted without their organization, so that a flood of bad keys cannot grow the map.
 */
const countsMax = 10_000;

/**
 * Counts the requests refused before admission (bad key, bad body, rate limit, credits),
 * which write no usage record by design (docs/ledger.md), in memory, and adds the counts
 * to `usage_denials` every `flushIntervalMs`: the request path pays one map update, not a
 * write. The counts are for charts, not for billing, so a crash may lose one interval.
 */
export class DenialCounter {
  readonly #writer: GroupCommitWriter;
  readonly #options: DenialCounterOptions;
  #counts = new Map<string, Count>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(writer: GroupCommitWriter, options: DenialCounterOptions) {
    this.#writer = writer;
    this.#options = options;
  }

  /** Counts one refused request of `organizationId` (null when the caller is unknown) at `atMs`. */
  add(organizationId: string | null, errorCode: string, atMs = Date.now()): void {
    const bucketStart = `${new Date(atMs).toISOString().slice(0, 13)}:00:00.000Z`;
    this.#merge({ bucketStart, organizationId: organizationId ?? '', errorCode, requests: 1 });
  }

  #merge(added: Count): void {
    let id = `${added.bucketStart}\u0000${added.organizationId}\u0000${added.errorCode}`;
    let organizationId = added.organizationId;
    if (!this.#counts.has(id) && this.#counts.size >= countsMax) {
      organizationId = '';
      id = `${added.bucketStart}\u0000\u0000${added.errorCode}`;
    }
    const count = this.#counts.get(id);
    if (count !== undefined) count.requests += added.requests;
    else this.#counts.set(id, { ...added, organizationId });
  }

  /** Writes the counts gathered so far; resolves once they have committed. */
  flush(): Promise<void> {
    const result = this.#flushing.then(() => this.#write());
    this.#flushing = result.catch(() => undefined);
    return result;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.flush().catch(this.#options.onError), this.#options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  async #write(): Promise<void> {
    if (this.#counts.size === 0) return;
    const counts = [...this.#counts.values()];
    this.#counts = new Map();
    try {
      await this.#writer.submit((tx) => upsert(tx, counts));
    } catch (error) {
      // Counted again, so that the next flush writes them; a failed transaction wrote none.
      for (const count of counts) this.#merge(count);
      throw error;
    }
  }
}

async function upsert(tx: WriteTransaction, counts: readonly Count[]): Promise<void> {
  const placeholder = tx.dialect === 'postgres' ? (n: number) => `$${n}` : () => '?';
  // 4 parameters a row: 1,000 rows stay far below what either database binds in one statement.
  for (let at = 0; at < counts.length; at += 1000) {
    const chunk = counts.slice(at, at + 1000);
    let n = 0;
    const rows = chunk.map(() => `(${[0, 1, 2, 3].map(() => placeholder(++n)).join(', ')})`).join(', ');
    await tx.db.executeQuery(
      CompiledQuery.raw(
        `insert into usage_denials (bucket_start, organization_id, error_code, requests) values ${rows} ` +
          'on conflict (bucket_start, organization_id, error_code) ' +
          'do update set requests = usage_denials.requests + excluded.requests',
        chunk.flatMap((c) => [c.bucketStart, c.organizationId, c.errorCode, c.requests]),
      ),
    );
  }
}
