import { createHash } from 'node:crypto';

/*
 * RFC 9162 §2.1, transcribed as plainly as possible, with recursion, slices and no
 * stored state, to check the log's incremental tree against. It is slow on purpose:
 * every call rehashes the leaves it covers.
 */

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** k: the largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]). */
export function referenceRoot(leaves: readonly Uint8Array[]): Buffer {
  const n = leaves.length;
  if (n === 0) return sha256();
  if (n === 1) return sha256(Buffer.from([0x00]), leaves[0]!);
  const k = split(n);
  return sha256(Buffer.from([0x01]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** PATH(m, D[n]). */
export function referenceInclusionProof(m: number, leaves: readonly Uint8Array[]): Buffer[] {
  const n = leaves.length;
  if (n === 1) return [];
  const k = split(n);
  if (m < k) return [...referenceInclusionProof(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))];
  return [...referenceInclusionProof(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

/** SUBPROOF(m, D[n], b). */
function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [referenceRoot(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), b), referenceRoot(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]). */
export function referenceConsistencyProof(m: number, leaves: readonly Uint8Array[]): Buffer[] {
  return subproof(m, leaves, true);
}
