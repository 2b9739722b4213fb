import { createHash } from 'node:crypto';

/** SHA-256, the only hash of the log. */
export const hashSizeBytes = 32;

const leafPrefix = Buffer.from([0x00]);
const nodePrefix = Buffer.from([0x01]);

/** RFC 9162 §2.1.1: the hash of a leaf is SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(leafPrefix).update(leaf).digest();
}

/** RFC 9162 §2.1.1: the hash of an inner node is SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(nodePrefix).update(left).update(right).digest();
}

/** The root of the empty tree: SHA-256 of nothing. */
export const emptyRootHash: Buffer = createHash('sha256').digest();

/** True for a value that can be a hash of this log. */
export function isHash(value: Uint8Array): boolean {
  return value.length === hashSizeBytes;
}
