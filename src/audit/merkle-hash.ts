import { hash } from 'node:crypto';

/** SHA-256, the only hash of the log. */
export const hashSizeBytes = 32;

/**
 * SHA-256 of `input` as a Buffer. The digest is taken as a 'binary' (latin1) string,
 * one character per byte, and copied into a pooled Buffer: asking `hash` for a Buffer
 * makes a new ArrayBuffer and sets its prototype in C++, which took longer than hashing
 * a whole receipt.
 */
function sha256(input: string | Uint8Array): Buffer {
  return Buffer.from(hash('sha256', input, 'binary'), 'binary');
}

/**
 * RFC 9162 §2.1.1: the hash of a leaf is SHA-256(0x00 || leaf). A string leaf is its
 * UTF-8 bytes: "\0" encodes as the single byte 0x00, so the string is hashed as it is,
 * without first being copied into a Buffer.
 */
export function leafHash(leaf: string | Uint8Array): Buffer {
  if (typeof leaf === 'string') return sha256(`\0${leaf}`);
  const input = Buffer.allocUnsafe(1 + leaf.length);
  input[0] = 0x00;
  input.set(leaf, 1);
  return sha256(input);
}

/** RFC 9162 §2.1.1: the hash of an inner node is SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/** The root of the empty tree: SHA-256 of nothing. */
export const emptyRootHash: Buffer = sha256(Buffer.alloc(0));

/** True for a value that can be a hash of this log. */
export function isHash(value: Uint8Array): boolean {
  return value.length === hashSizeBytes;
}
