import { createHash, type KeyObject } from 'node:crypto';
import { checkpointText } from './checkpoint.js';
import { ed25519PublicKeyBytes, formatVerifierKey, type NoteKey, noteKey, signNote } from './signed-note.js';

/**
 * The origin of a log whose operator named none: unique per signing key, as an origin
 * must be. Operators who publish a log should set `audit.origin` to a name of their own,
 * such as `ai.example.gov/commonweal/log`.
 */
export function defaultLogOrigin(publicKey: KeyObject): string {
  return `commonweal.local/log/${createHash('sha256').update(ed25519PublicKeyBytes(publicKey)).digest('hex').slice(0, 16)}`;
}

/** Signs the log's checkpoints with the data directory's Ed25519 key, under the log's origin. */
export class LogSigner {
  readonly key: NoteKey;
  readonly #privateKey: KeyObject;

  constructor(origin: string, privateKey: KeyObject, publicKey: KeyObject) {
    this.key = noteKey(origin, ed25519PublicKeyBytes(publicKey));
    this.#privateKey = privateKey;
  }

  get origin(): string {
    return this.key.name;
  }

  get verifierKey(): string {
    return formatVerifierKey(this.key);
  }

  signCheckpoint(size: number, root: Buffer): string {
    return signNote(checkpointText({ origin: this.origin, size, root }), this.key, this.#privateKey);
  }
}
