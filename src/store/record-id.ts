import { randomUUID } from 'node:crypto';
import { randomTokenBody } from '../secrets/token-hash.js';

/** A generated record id such as `org_k3j9x2m1q8zt`: a type prefix and 12 random lowercase characters. */
export function newRecordId(prefix: string): string {
  return `${prefix}_${randomTokenBody(12).toLowerCase()}`;
}

/**
 * An id for a record made by every request, such as `req_019a2b3c4d5e…`: 12 hex digits
 * of the time in milliseconds, then 20 from a random UUID (74 random bits, from a cached
 * entropy pool, so cheap per request), unique across replicas and restarts. Ids that grow
 * with time go in at the right edge of every index on them; random ones would scatter
 * each commit of a batch over as many index pages as it has records, and SQLite writes
 * every page a commit touches to its WAL.
 */
export function newTimeOrderedId(prefix: string): string {
  return `${prefix}_${Date.now().toString(16).padStart(12, '0')}${randomUUID().replaceAll('-', '').slice(12)}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
