import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random token body in base62: `length` characters, about 5.95 bits each. */
export function randomTokenBody(length: number): string {
  // Rejection sampling keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += alphabet[byte % 62];
    }
  }
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares a presented token with a stored SHA-256 hex hash in constant time. */
export function tokenMatchesHash(token: string, hashHex: string): boolean {
  const presented = Buffer.from(sha256Hex(token), 'hex');
  const stored = Buffer.from(hashHex, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
