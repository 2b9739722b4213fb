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

const noBytes = new Uint8Array(0);

/** `prefix || first || second` in one (pooled) Buffer, for a one-shot hash. */
function prefixed(prefix: number, first: Uint8Array, second: Uint8Array = noBytes): Buffer {
  const input = Buffer.allocUnsafe(1 + first.length + second.length);
  input[0] = prefix;
  input.set(first, 1);
  input.set(second, 1 + first.length);
  return input;
}

/**
 * RFC 9162 §2.1.1: the hash of a leaf is SHA-256(0x00 || leaf). A string leaf is its
 * UTF-8 bytes: "\0" encodes as the single byte 0x00, so the string is hashed as it is,
 * without first being copied into a Buffer.
 */
export function leafHash(leaf: string | Uint8Array): Buffer {
  return sha256(typeof leaf === 'string' ? `\0${leaf}` : prefixed(0x00, leaf));
}

/** RFC 9162 §2.1.1: the hash of an inner node is SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(prefixed(0x01, left, right));
}

/** The root of the empty tree: SHA-256 of nothing. */
export const emptyRootHash: Buffer = sha256(noBytes);

/** True for a value that can be a hash of this log. */
export function isHash(value: Uint8Array): boolean {
  return value.length === hashSizeBytes;
}
