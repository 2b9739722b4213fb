import { hash } from 'node:crypto';

/** SHA-256, the only hash of the log. */
export const hashSizeBytes = 32;

/**
 * SHA-256 of `prefix || parts…`. One-shot hashing of one buffer: a receipt takes a leaf
 * hash and about one node hash, and a Hash object for each cost more than the hashing.
 */
function prefixedHash(prefix: number, ...parts: readonly Uint8Array[]): Buffer {
  let length = 1;
  for (const part of parts) length += part.length;
  const input = Buffer.allocUnsafe(length);
  input[0] = prefix;
  let at = 1;
  for (const part of parts) {
    input.set(part, at);
    at += part.length;
  }
  return hash('sha256', input, 'buffer');
}

/** RFC 9162 §2.1.1: the hash of a leaf is SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  return prefixedHash(0x00, leaf);
}

/** RFC 9162 §2.1.1: the hash of an inner node is SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return prefixedHash(0x01, left, right);
}

/** The root of the empty tree: SHA-256 of nothing. */
export const emptyRootHash: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

/** True for a value that can be a hash of this log. */
export function isHash(value: Uint8Array): boolean {
  return value.length === hashSizeBytes;
}
