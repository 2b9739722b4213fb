import { isHash, nodeHash } from './merkle-hash.js';
import { isPowerOfTwo, isTreeSize } from './tree-ranges.js';

/*
 * The verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, word for word, so that
 * docs/transparency-log.md can point at them. "Right-shift" is a division by two:
 * sizes may exceed 32 bits, where JavaScript's shift operators do not reach.
 */

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** True when `proof` proves that the leaf with hash `leafHash` is leaf `index` of the tree of `size` with root `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) return false;
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Bounded: fn halves each turn until it is odd or zero.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * True when `proof` proves that the tree of size `from` with root `fromRoot` is a prefix
 * of the tree of size `to` with root `toRoot`. As in transparency-dev/merkle, equal sizes
 * need an empty proof and equal roots, and a proof from the empty tree is refused as
 * meaningless.
 */
export function verifyConsistency(
  from: number,
  to: number,
  proof: readonly Buffer[],
  fromRoot: Buffer,
  toRoot: Buffer,
): boolean {
  if (!isTreeSize(from) || !isTreeSize(to) || from < 1 || from > to) return false;
  // Equal sizes assert nothing but equal roots, whatever they are, as in transparency-dev/merkle.
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  if (!isHash(fromRoot) || !isHash(toRoot) || !proof.every(isHash)) return false;
  if (proof.length === 0) return false;
  // When `from` is a power of two its whole tree is one node, which the proof leaves out.
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(fromRoot) && sr.equals(toRoot) && sn === 0;
}
