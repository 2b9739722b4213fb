import { isHash } from './merkle-hash.js';
import { type NoteKey, NoteError, openNote } from './signed-note.js';

/**
 * A tree head in the C2SP checkpoint format (c2sp.org/tlog-checkpoint): the log's
 * origin, the tree size in decimal, the base64 root hash, one per line.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

export function checkpointText(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.root.toString('base64')}\n`;
}

const decimal = /^(0|[1-9][0-9]{0,15})$/;

/** Parses a checkpoint's text; extension lines after the root are allowed and ignored. */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines.at(-1) !== '')
    throw new NoteError('a checkpoint has an origin, a size and a root hash, each on its own line');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  const size = Number(sizeText);
  if (!decimal.test(sizeText) || !Number.isSafeInteger(size))
    throw new NoteError(`the checkpoint size ${JSON.stringify(sizeText)} is not a decimal tree size`);
  const root = Buffer.from(rootText, 'base64');
  if (!isHash(root) || root.toString('base64') !== rootText)
    throw new NoteError('the checkpoint root is not a base64 SHA-256 hash');
  return { origin, size, root };
}

/** Verifies a signed checkpoint with the log's key and returns it; its origin must be the key's name. */
export function openCheckpoint(note: string, key: NoteKey): Checkpoint {
  const checkpoint = parseCheckpointText(openNote(note, key));
  if (checkpoint.origin !== key.name)
    throw new NoteError(`the checkpoint is for log "${checkpoint.origin}", not "${key.name}"`);
  return checkpoint;
}
