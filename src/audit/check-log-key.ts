import type { PublishedCheckpoint } from './checkpoint-publisher.js';
import type { LogSigner } from './log-signer.js';
import { NoteError, openNote } from './signed-note.js';

/**
 * Refuses a signer whose key (or origin) did not sign the log's newest checkpoint: a
 * replica given another key would sign checkpoints that a verifier holding the log's key
 * rejects, and the log would fork in two. Throws an error that says what to fix.
 */
export function checkLogKey(latest: PublishedCheckpoint | undefined, signer: LogSigner): void {
  if (latest === undefined) return;
  try {
    openNote(latest.note, signer.key);
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    throw new Error(
      `this replica's transparency-log key (${signer.verifierKey}) did not sign the log's checkpoint of size ` +
        `${latest.size}: every replica sharing the database must be given the same secrets files and audit.origin ` +
        '(see docs/replicas.md)',
      { cause: error },
    );
  }
}
