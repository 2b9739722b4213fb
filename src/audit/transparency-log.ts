import { CompiledQuery, type Kysely } from 'kysely';
import { invariant } from '../errors/index.js';
import { type Database, RowInserter, type Store, type WriteTransaction } from '../store/index.js';
import { CompactRange, foldRight, type StoredNode } from './compact-range.js';
import { emptyRootHash, hashSizeBytes, leafHash } from './merkle-hash.js';
import {
  consistencyRanges,
  inclusionRanges,
  lastLeafOf,
  type LeafRange,
  leavesOf,
  type NodeId,
  nodeKey,
  perfectNodes,
} from './tree-ranges.js';

/** A leaf as the store holds it: `text` is the canonical JSON whose UTF-8 bytes are the leaf. */
export interface StoredLeaf {
  readonly index: number;
  readonly text: string;
}

/** A leaf not yet written: its row's values, the hashes of the stored subtrees it completes among them. */
interface PendingLeaf extends StoredLeaf {
  readonly subtreeHashes: Buffer | null;
}

type Reader = Kysely<Database>;

/**
 * The lowest level of the tree the store keeps: the hashes of perfect subtrees of 16
 * leaves and more. Below it a hash is computed from the (at most 15) leaves it covers
 * when a root or proof needs it, so that an append writes a node row every 8 leaves on
 * average instead of 2 rows per leaf, and a proof reads at most a few dozen more leaves.
 */
export const lowestStoredLevel = 4;

/**
 * The last leaf's index and text: two primary-key seeks. Every transaction that appends
 * runs it, so it is written once as SQL, which the store keeps prepared, instead of being
 * built and compiled by Kysely each time.
 */
const lastLeaf = CompiledQuery.raw(
  'select idx as last, entry from audit_leaves where idx = (select max(idx) from audit_leaves)',
  [],
);

/**
 * The appends of one open transaction: the tree's right edge after them (read from the
 * store at its first append), and the rows not yet written.
 */
interface OpenAppends {
  edge: CompactRange | undefined;
  /** The text of the last leaf appended, which identifies the tree's state along with its size: every leaf's text is unique. */
  lastText: string | undefined;
  readonly leaves: PendingLeaf[];
}

/**
 * The RFC 9162 Merkle tree over the leaves in the store. Appends run inside the
 * caller's transaction — the group-commit writer's, next to the usage record a receipt
 * describes — and write one row: the leaf, with the hashes of the stored perfect
 * subtrees it completes. Roots and proofs read only the perfect subtrees they are made of.
 */
export class TransparencyLog {
  readonly #store: Store;
  /**
   * The edge as this process's last batch left it, just before its COMMIT. The next
   * transaction uses it only if the store's last leaf is that batch's last leaf: every
   * leaf's text is unique (it names its receipt or change), so then the batch committed
   * and nothing was appended since, and reading the edge again would give this very
   * edge. Otherwise (the commit failed, another replica appended) the edge is read from
   * the store.
   */
  #lastBatch: { readonly edge: CompactRange; readonly lastText: string } | undefined;
  readonly #leafRows: RowInserter;

  constructor(store: Store) {
    this.#store = store;
    this.#leafRows = new RowInserter(store.dialect, 'audit_leaves', ['idx', 'entry', 'subtree_hashes']);
  }

  /**
   * Appends the leaf `text` in `tx` and returns its index; it joins the tree when `tx`
   * commits. The text must be unique in the log: it is how a committed batch is known.
   * The rows of all the transaction's leaves are written by a few multi-row inserts just
   * before COMMIT — statements per request would cost more CPU than the rest of the
   * receipt — so reads inside `tx` do not see them yet. A write job may run more than
   * once and only the transaction that commits counts, so the tree's edge is read from
   * the store at a transaction's first append and dies with the transaction: a
   * rolled-back append can never leak into the next one.
   */
  async append(tx: WriteTransaction, text: string): Promise<number> {
    const open = tx.batch(
      this,
      (): OpenAppends => ({ edge: undefined, lastText: undefined, leaves: [] }),
      (committing, appends) => this.#write(committing, appends),
    );
    // Replicas sharing PostgreSQL take turns from here to commit, so that each reads the edge the last one left.
    if (open.edge === undefined) {
      await tx.lockAppendOrder('auditLeaves');
      open.edge = await this.#loadEdge(tx.db);
    }
    const index = open.edge.size;
    // Leaves are dense: a transaction's appends must run one after the other, or a second
    // first append would read the edge again and give an index already handed out.
    const previous = open.leaves.at(-1);
    invariant(previous === undefined || previous.index + 1 === index, "a leaf's index follows the one before it");
    open.lastText = text;
    open.leaves.push({ index, text, subtreeHashes: subtreeHashes(open.edge.append(leafHash(text))) });
    return index;
  }

  async #write(tx: WriteTransaction, open: OpenAppends): Promise<void> {
    await this.#insertLeaves(tx.db, open.leaves);
    if (open.edge !== undefined && open.lastText !== undefined)
      this.#lastBatch = { edge: open.edge.clone(), lastText: open.lastText };
  }

  /** The number of leaves committed so far. */
  async size(db: Reader = this.#store.db): Promise<number> {
    const row = await db
      .selectFrom('auditLeaves')
      .select((eb) => eb.fn.max('idx').as('last'))
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
  }

  /** MTH(D[0:size]); `size` must not exceed the committed size. */
  async rootAt(size: number, db: Reader = this.#store.db): Promise<Buffer> {
    if (size === 0) return emptyRootHash;
    return (await this.#rangeHashes(db, [{ begin: 0, end: size }]))[0]!;
  }

  /** The RFC 9162 inclusion proof of leaf `index` in the tree of `size`. */
  async inclusionProof(index: number, size: number, db: Reader = this.#store.db): Promise<Buffer[]> {
    return this.#rangeHashes(db, inclusionRanges(index, size));
  }

  /** The RFC 9162 consistency proof from the tree of size `from` to the tree of size `to`. */
  async consistencyProof(from: number, to: number, db: Reader = this.#store.db): Promise<Buffer[]> {
    return this.#rangeHashes(db, consistencyRanges(from, to));
  }

  /** The committed leaf at `index`, or undefined when the log has none there. */
  async leafAt(index: number, db: Reader = this.#store.db): Promise<StoredLeaf | undefined> {
    const row = await db.selectFrom('auditLeaves').select(['idx', 'entry']).where('idx', '=', index).executeTakeFirst();
    return row === undefined ? undefined : { index: Number(row.idx), text: row.entry };
  }

  async #insertLeaves(tx: Reader, leaves: readonly PendingLeaf[]): Promise<void> {
    await this.#leafRows.insert(
      tx,
      leaves.map((l) => [l.index, l.text, l.subtreeHashes]),
    );
  }

  async #loadEdge(tx: Reader): Promise<CompactRange> {
    const last = (await tx.executeQuery<{ last: number | string; entry: string }>(lastLeaf)).rows[0];
    const size = last === undefined ? 0 : Number(last.last) + 1;
    const cached = this.#lastBatch;
    if (cached !== undefined && last !== undefined && cached.edge.size === size && cached.lastText === last.entry)
      return cached.edge.clone();
    const ids = perfectNodes({ begin: 0, end: size });
    const hashes = await nodeHashes(tx, ids);
    return new CompactRange(
      size,
      ids.map((id) => hashes.get(nodeKey(id))!),
    );
  }

  /** The hash of each range, from the perfect subtrees it is made of, read together. */
  async #rangeHashes(db: Reader, ranges: readonly LeafRange[]): Promise<Buffer[]> {
    const parts = ranges.map((range) => perfectNodes(range));
    const hashes = await nodeHashes(db, parts.flat());
    return parts.map((ids) => foldRight(ids.map((id) => hashes.get(nodeKey(id))!))!);
  }
}

/** True for a node whose hash the store keeps; the others are computed from their leaves. */
export function isStoredNode(node: NodeId): boolean {
  return node.level >= lowestStoredLevel;
}

/** The nodes of `completed` (from `CompactRange.append`) that the store keeps. */
export function nodesToStore(completed: readonly StoredNode[]): StoredNode[] {
  return completed.filter(isStoredNode);
}

/**
 * The `subtree_hashes` of the leaf whose append completed `completed`: the hashes of the
 * nodes the store keeps, lowest level first (as `append` gives them), or null for none.
 */
export function subtreeHashes(completed: readonly StoredNode[]): Buffer | null {
  const stored = nodesToStore(completed);
  return stored.length === 0 ? null : Buffer.concat(stored.map((node) => node.hash));
}

/** The hash of stored node `id` within the `subtree_hashes` of its last leaf; undefined when they do not hold it. */
export function storedNodeHash(hashes: Buffer | null, id: NodeId): Buffer | undefined {
  const offset = (id.level - lowestStoredLevel) * hashSizeBytes;
  return hashes === null || hashes.length < offset + hashSizeBytes
    ? undefined
    : hashes.subarray(offset, offset + hashSizeBytes);
}

/**
 * Perfect-subtree hashes by id: read from the store from `lowestStoredLevel` up, computed
 * from their leaves below it, with one query for each.
 */
async function nodeHashes(db: Reader, ids: readonly NodeId[]): Promise<Map<string, Buffer>> {
  const low = ids.filter((id) => !isStoredNode(id));
  const found = await readNodes(db, ids.filter(isStoredNode));
  if (low.length === 0) return found;
  const leaves = await readLeafHashes(db, low.map(leavesOf));
  for (const id of low) {
    // A tree of the node's leaves alone: its root is the node's hash.
    const { begin, end } = leavesOf(id);
    const subtree = new CompactRange(0, []);
    for (let index = begin; index < end; index += 1) subtree.append(leaves.get(index)!);
    found.set(nodeKey(id), subtree.root());
  }
  return found;
}

/** Reads stored perfect-subtree hashes by id, from their last leaves' rows; a missing one means the log is not what it claims, and fails loudly. */
async function readNodes(db: Reader, ids: readonly NodeId[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (ids.length === 0) return found;
  const rows = await db
    .selectFrom('auditLeaves')
    .select(['idx', 'subtreeHashes'])
    .where('idx', 'in', ids.map(lastLeafOf))
    .execute();
  const hashesByLeaf = new Map(rows.map((row) => [Number(row.idx), row.subtreeHashes]));
  for (const id of ids) {
    const hash = storedNodeHash(hashesByLeaf.get(lastLeafOf(id)) ?? null, id);
    if (hash === undefined) throw new Error(`transparency log node ${id.level}/${id.index} is missing from the store`);
    found.set(nodeKey(id), hash);
  }
  return found;
}

/** The leaf hash of every leaf in `ranges`, by index; a missing leaf fails loudly, as a missing node does. */
async function readLeafHashes(db: Reader, ranges: readonly LeafRange[]): Promise<Map<number, Buffer>> {
  const rows = await db
    .selectFrom('auditLeaves')
    .select(['idx', 'entry'])
    .where((eb) => eb.or(ranges.map(({ begin, end }) => eb.and([eb('idx', '>=', begin), eb('idx', '<', end)]))))
    .execute();
  const hashes = new Map(rows.map((row) => [Number(row.idx), leafHash(row.entry)]));
  for (const { begin, end } of ranges) {
    for (let index = begin; index < end; index += 1)
      if (!hashes.has(index)) throw new Error(`transparency log leaf ${index} is missing from the store`);
  }
  return hashes;
}
