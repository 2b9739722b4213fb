import { emptyRootHash, nodeHash } from './merkle-hash.js';
import { type NodeId, perfectNodes } from './tree-ranges.js';

/** A perfect subtree's hash, as the log stores it. */
export interface StoredNode extends NodeId {
  readonly hash: Buffer;
}

/**
 * The right edge of a tree: the hashes of the perfect subtrees that make up the whole
 * tree, largest first (one per set bit of the size). It is all an append needs: the
 * new leaf completes the subtrees that end at it, and each of those is the hash of the
 * last edge node and the one just completed below it.
 */
export class CompactRange {
  #size: number;
  readonly #edge: Buffer[];

  /** `edge` holds the hashes of `perfectNodes({ begin: 0, end: size })`, in that order. */
  constructor(size: number, edge: readonly Buffer[]) {
    if (edge.length !== perfectNodes({ begin: 0, end: size }).length)
      throw new RangeError(
        `a tree of size ${size} needs ${perfectNodes({ begin: 0, end: size }).length} edge hashes, got ${edge.length}`,
      );
    this.#size = size;
    this.#edge = [...edge];
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a leaf by its leaf hash; returns every perfect subtree it completed, level 0 first. */
  append(leafHash: Buffer): StoredNode[] {
    let index = this.#size;
    let level = 0;
    let hash = leafHash;
    const completed: StoredNode[] = [{ level, index, hash }];
    // A right child (odd index) completes its parent; the loop climbs once per trailing one bit.
    while (index % 2 === 1) {
      const left = this.#edge.pop();
      if (left === undefined) throw new Error('compact range edge is shorter than its size says');
      hash = nodeHash(left, hash);
      level += 1;
      index = (index - 1) / 2;
      completed.push({ level, index, hash });
    }
    this.#edge.push(hash);
    this.#size += 1;
    return completed;
  }

  /** An independent copy, to be appended to without changing this one. */
  clone(): CompactRange {
    return new CompactRange(this.#size, this.#edge);
  }

  /** MTH of the whole tree: the right fold of the edge. */
  root(): Buffer {
    return foldRight(this.#edge) ?? emptyRootHash;
  }
}

/** `node(h0, node(h1, … node(hk-1, hk)))`, the hash of a range from its perfect subtrees; undefined for none. */
export function foldRight(hashes: readonly Buffer[]): Buffer | undefined {
  let hash = hashes.at(-1);
  for (let i = hashes.length - 2; i >= 0; i -= 1) hash = nodeHash(hashes[i]!, hash!);
  return hash;
}
