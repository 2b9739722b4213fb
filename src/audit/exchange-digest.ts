import { createHash, type Hash } from 'node:crypto';

/**
 * The SHA-256 of what one request exchanged: the body the client sent, and the body
 * bytes the gateway relayed back, hashed as they pass so a long stream is never held.
 * A receipt carries both digests and never the content itself.
 */
export class ExchangeDigest {
  readonly requestSha256: string;
  readonly #response: Hash = createHash('sha256');
  #relayedAny = false;
  #responseSha256: string | null | undefined;

  constructor(requestBody: Uint8Array) {
    this.requestSha256 = createHash('sha256').update(requestBody).digest('hex');
  }

  /** Counts bytes of the answer's body, in the order they are sent. */
  relayed(chunk: string | Uint8Array): void {
    // Bytes after the receipt was made would make its digest a lie; that is a bug in the relay.
    if (this.#responseSha256 !== undefined) throw new Error('response bytes relayed after the receipt digest was taken');
    if (chunk.length === 0) return;
    this.#relayedAny = true;
    // A string is hashed as UTF-8 without first being copied into a Buffer.
    if (typeof chunk === 'string') this.#response.update(chunk, 'utf8');
    else this.#response.update(chunk);
  }

  /** The digest of every byte relayed so far, or null when the answer carried no relayed content. Final once taken. */
  responseSha256(): string | null {
    this.#responseSha256 ??= this.#relayedAny ? this.#response.digest('hex') : null;
    return this.#responseSha256;
  }
}
