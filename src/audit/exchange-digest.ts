import { createHash, type Hash, hash } from 'node:crypto';

/**
 * The SHA-256 of what one request exchanged: the body the client sent, and the body
 * bytes the gateway relayed back, hashed as they pass so a long stream is never held.
 * A receipt carries both digests and never the content itself.
 */
export class ExchangeDigest {
  readonly requestSha256: string;
  /**
   * The first piece of the answer, until a second comes: most answers are one piece,
   * and hashing one piece in one call costs less than a Hash object.
   */
  #first: string | Uint8Array | undefined;
  #response: Hash | undefined;
  #responseSha256: string | null | undefined;

  constructor(requestBody: Uint8Array) {
    this.requestSha256 = hash('sha256', requestBody, 'hex');
  }

  /** Counts bytes of the answer's body, in the order they are sent. */
  relayed(chunk: string | Uint8Array): void {
    // Bytes after the receipt was made would make its digest a lie; that is a bug in the relay.
    if (this.#responseSha256 !== undefined) throw new Error('response bytes relayed after the receipt digest was taken');
    if (chunk.length === 0) return;
    if (this.#first === undefined) {
      this.#first = chunk;
      return;
    }
    if (this.#response === undefined) {
      this.#response = createHash('sha256');
      this.#update(this.#first);
    }
    this.#update(chunk);
  }

  /** The digest of every byte relayed so far, or null when the answer carried no relayed content. Final once taken. */
  responseSha256(): string | null {
    if (this.#responseSha256 === undefined) {
      if (this.#response !== undefined) this.#responseSha256 = this.#response.digest('hex');
      else this.#responseSha256 = this.#first === undefined ? null : hash('sha256', this.#first, 'hex');
      this.#first = undefined;
    }
    return this.#responseSha256;
  }

  #update(chunk: string | Uint8Array): void {
    // A string is hashed as UTF-8 without first being copied into a Buffer.
    if (typeof chunk === 'string') this.#response!.update(chunk, 'utf8');
    else this.#response!.update(chunk);
  }
}
