/**
 * Which parts of the tree a root or a proof is made of, as pure arithmetic on leaf
 * indices. Every hash a proof needs is the hash of a range of leaves that is a node of
 * RFC 9162's tree; such a range splits into at most one perfect subtree per bit of its
 * length, and the log stores the hash of every perfect subtree, so a proof costs
 * O(log n) reads.
 *
 * Indices stay below 2^53 (a safe integer, 9·10^15 leaves), so the arithmetic uses
 * division and multiplication: JavaScript's bit operators would cut numbers to 32 bits.
 */

/** The perfect subtree over leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** The last leaf a node covers: the leaf whose row keeps the node's hash, since the nodes an append completes all end at its leaf. */
export function lastLeafOf(node: NodeId): number {
  return (node.index + 1) * 2 ** node.level - 1;
}

/** The leaves a node covers. */
export function leavesOf(node: NodeId): LeafRange {
  const width = 2 ** node.level;
  return { begin: node.index * width, end: (node.index + 1) * width };
}

/** A node as a map key, where a root or a proof gathers the hashes it read. */
export function nodeKey(node: NodeId): string {
  return `${node.level}:${node.index}`;
}

/** Leaves [begin, end). */
export interface LeafRange {
  readonly begin: number;
  readonly end: number;
}

/** A tree size or leaf index is a safe non-negative integer. */
export function isTreeSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** RFC 9162's split: the largest power of two smaller than n, for n ≥ 2. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True for 1, 2, 4, 8 … */
export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && largestPowerOfTwoAtMost(n).size === n;
}

function largestPowerOfTwoAtMost(n: number): { size: number; level: number } {
  let size = 1;
  let level = 0;
  while (size * 2 <= n) {
    size *= 2;
    level += 1;
  }
  return { size, level };
}

/**
 * The perfect subtrees that make up MTH(D[begin:end]) for a node of the tree (or the
 * whole tree, begin = 0), left to right and so largest first. The hash of the range is
 * the right fold of their hashes: `node(h0, node(h1, … node(hk-1, hk)))`.
 */
export function perfectNodes(range: LeafRange): NodeId[] {
  const nodes: NodeId[] = [];
  let at = range.begin;
  // Each turn takes the highest set bit of what remains, so the loop runs once per bit.
  while (at < range.end) {
    const { size, level } = largestPowerOfTwoAtMost(range.end - at);
    if (at % size !== 0) throw new RangeError(`leaves [${range.begin}, ${range.end}) are not a node of the tree`);
    nodes.push({ level, index: at / size });
    at += size;
  }
  return nodes;
}

/**
 * The ranges whose hashes form the inclusion proof PATH(index, D[0:size]) of RFC 9162
 * §2.1.3.1, in proof order: the leaf's sibling first, the root's child last.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size)
    throw new RangeError(`no leaf ${index} in a tree of size ${size}`);
  const siblings: LeafRange[] = [];
  let begin = 0;
  let end = size;
  // The range at least halves each turn, so the loop runs at most 53 times.
  while (end - begin > 1) {
    const k = splitPoint(end - begin);
    if (index < begin + k) {
      siblings.push({ begin: begin + k, end });
      end = begin + k;
    } else {
      siblings.push({ begin, end: begin + k });
      begin += k;
    }
  }
  return siblings.reverse();
}

/**
 * The ranges whose hashes form the consistency proof PROOF(from, D[0:to]) of RFC 9162
 * §2.1.4.1 (SUBPROOF with b = true), in proof order. Defined for 0 < from ≤ to.
 */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  if (!isTreeSize(from) || !isTreeSize(to) || from < 1 || from > to)
    throw new RangeError(`no consistency proof from size ${from} to size ${to}`);
  const appended: LeafRange[] = [];
  let begin = 0;
  let end = to;
  let m = from;
  let whole = true;
  // As in inclusionRanges, the range at least halves each turn.
  while (m !== end - begin) {
    const k = splitPoint(end - begin);
    if (m <= k) {
      appended.push({ begin: begin + k, end });
      end = begin + k;
    } else {
      appended.push({ begin, end: begin + k });
      begin += k;
      m -= k;
      whole = false;
    }
  }
  // SUBPROOF(m, D[m], false) is [MTH(D[m])]: the old tree's last subtree is part of the proof.
  const first = whole ? [] : [{ begin, end }];
  return [...first, ...appended.reverse()];
}
