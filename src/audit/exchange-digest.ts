import { createHash, type Hash, hash } from 'node:crypto';

/**
 * Pieces of the answer gathered before they are hashed, in characters or bytes: a stream
 * relays an event per token, and hashing each alone costs a call into the hash per event.
 */
const gatheredLengthMax = 16 * 1024;

/**
 * The SHA-256 of what one request exchanged: the body the client sent, and the body
 * bytes the gateway relayed back, hashed as they pass so a long stream is never held
 * beyond a few kilobytes. A receipt carries both digests and never the content itself.
 */
export class ExchangeDigest {
  readonly requestSha256: string;
  /** Pieces relayed and not yet hashed: runs of strings that may be joined, and byte arrays. */
  readonly #gathered: (string[] | Uint8Array)[] = [];
  #gatheredLength = 0;
  #response: Hash | undefined;
  #responseSha256: string | null | undefined;

  constructor(requestBody: Uint8Array) {
    this.requestSha256 = hash('sha256', requestBody, 'hex');
  }

  /** Counts bytes of the answer's body, in the order they are sent. */
  relayed(chunk: string | Uint8Array): void {
    // Bytes after the receipt was made would make its digest a lie; that is a bug in the relay.
    if (this.#responseSha256 !== undefined)
      throw new Error('response bytes relayed after the receipt digest was taken');
    if (chunk.length === 0) return;
    const run = this.#gathered.at(-1);
    if (typeof chunk !== 'string') this.#gathered.push(chunk);
    else if (Array.isArray(run) && joinsAsWritten(run.at(-1)!, chunk)) run.push(chunk);
    else this.#gathered.push([chunk]);
    this.#gatheredLength += chunk.length;
    if (this.#gatheredLength >= gatheredLengthMax) this.#hashGathered();
  }

  /** The digest of every byte relayed so far, or null when the answer carried no relayed content. Final once taken. */
  responseSha256(): string | null {
    if (this.#responseSha256 === undefined) {
      const [only] = this.#gathered;
      // Most answers are one piece, or one run of strings: hashed in one call, with no Hash object.
      if (this.#response === undefined && this.#gathered.length <= 1)
        this.#responseSha256 =
          only === undefined ? null : hash('sha256', Array.isArray(only) ? only.join('') : only, 'hex');
      else {
        this.#hashGathered();
        this.#responseSha256 = this.#response!.digest('hex');
      }
    }
    return this.#responseSha256;
  }

  #hashGathered(): void {
    this.#response ??= createHash('sha256');
    // A run of strings is joined into one flat string, hashed as UTF-8 without first being copied into a Buffer.
    for (const piece of this.#gathered) {
      if (Array.isArray(piece)) this.#response.update(piece.join(''), 'utf8');
      else this.#response.update(piece);
    }
    this.#gathered.length = 0;
    this.#gatheredLength = 0;
  }
}

/**
 * True when `a + b` encodes to the bytes of `a` then `b`, as two writes send them: not
 * when `a` ends in half a surrogate pair and `b` starts with the other half, which
 * together encode one character and apart two replacement characters.
 */
function joinsAsWritten(a: string, b: string): boolean {
  const end = a.charCodeAt(a.length - 1);
  const start = b.charCodeAt(0);
  return !(end >= 0xd800 && end <= 0xdbff && start >= 0xdc00 && start <= 0xdfff);
}
