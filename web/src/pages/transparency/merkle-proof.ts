import { concatBytes, equalBytes, sha256 } from './bytes';

/** RFC 9162 §2.1.1: a leaf's hash is SHA-256(0x00 || leaf), an inner node's SHA-256(0x01 || left || right). */
export const leafHash = (leaf: Uint8Array) => sha256(concatBytes(Uint8Array.of(0), leaf));
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(concatBytes(Uint8Array.of(1), left, right));

// Tree sizes go past 2^32, where JavaScript's bit operators stop: halve and test parity arithmetically.
const half = (n: number) => Math.floor(n / 2);
const isOdd = (n: number) => n % 2 === 1;

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && !isOdd(m)) m = half(m);
  return m === 1;
}

/** RFC 9162 §2.1.3.2: the root that `path` gives for leaf `index` of a tree of `size`, or why it gives none. */
export async function rootFromInclusionPath(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
): Promise<Uint8Array | string> {
  if (index >= size) return `leaf ${index} is not in a tree of ${size} leaves`;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return 'the path is longer than the tree is deep';
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return 'the path is shorter than the tree is deep';
  return r;
}

/** RFC 9162 §2.1.4.2: whether the tree of `second` leaves with `secondRoot` extends the one of `first` with `firstRoot`. */
export async function verifyConsistency(
  first: number,
  second: number,
  path: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): Promise<boolean> {
  if (first < 1 || first > second) return false;
  if (first === second) return path.length === 0 && equalBytes(firstRoot, secondRoot);
  const hashes = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  if (hashes.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = hashes[0]!;
  let sr = hashes[0]!;
  for (const c of hashes.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}
