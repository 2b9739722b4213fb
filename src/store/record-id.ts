import { randomTokenBody } from '../secrets/token-hash.js';

/** A generated record id such as `org_k3j9x2m1q8zt`: a type prefix and 12 random lowercase characters. */
export function newRecordId(prefix: string): string {
  return `${prefix}_${randomTokenBody(12).toLowerCase()}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
