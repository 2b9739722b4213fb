import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { type Database, lockAppendOrder, RowInserter, type Store } from '../store/index.js';
import { beforeCommit } from '../metering/index.js';
import { CompactRange, foldRight, type StoredNode } from './compact-range.js';
import { emptyRootHash, leafHash } from './merkle-hash.js';
import { consistencyRanges, inclusionRanges, lastLeafOf, type LeafRange, leavesOf, type NodeId, nodeEndingAt, nodeKey, perfectNodes } from './tree-ranges.js';

export const logEntryKinds = ['receipt', 'admin_change'] as const;
export type LogEntryKind = (typeof logEntryKinds)[number];

/** What a leaf records: `text` is the canonical JSON whose UTF-8 bytes are the leaf. */
export interface LogEntry {
  readonly kind: LogEntryKind;
  /** The receipt id (the request id) or the admin change id; unique in the log. */
  readonly entryId: string;
  /** The organization the entry concerns, so that only its keys may fetch it; null for platform-wide changes. */
  readonly organizationId: string | null;
  readonly createdAt: string;
  readonly text: string;
}

export interface StoredLeaf extends LogEntry {
  readonly index: number;
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
 * The last leaf's index and entry id: two primary-key seeks. Every transaction that
 * appends runs it, so it is written once as SQL, which the store keeps prepared, instead
 * of being built and compiled by Kysely each time.
 */
const lastLeaf = CompiledQuery.raw('select idx as last, entry_id as "entryId" from audit_leaves where idx = (select max(idx) from audit_leaves)', []);

/** The appends of one open transaction: the tree's right edge after them, and the rows not yet written. */
interface OpenAppends {
  readonly edge: CompactRange;
  /** The entry id of the last leaf appended, which identifies the tree's state along with its size. */
  lastEntryId: string | undefined;
  /** True in a group-commit writer transaction: rows are written together just before COMMIT. */
  batched: boolean;
  readonly leaves: StoredLeaf[];
  readonly nodes: StoredNode[];
}

/**
 * The RFC 9162 Merkle tree over the leaves in the store. Appends run inside the
 * caller's transaction — the group-commit writer's, next to the usage record a receipt
 * describes — and write the leaf and every perfect subtree it completes. Roots and
 * proofs read only the perfect subtrees they are made of.
 */
export class TransparencyLog {
  readonly #store: Store;
  /**
   * The appends of each open transaction. A write job may run more than once and only
   * the transaction that commits counts, so the tree's edge is read from the store at a
   * transaction's first append and dies with the transaction: a rolled-back append can
   * never leak into the next one.
   */
  readonly #open = new WeakMap<Transaction<Database>, OpenAppends>();
  /**
   * The edge as this process's last batch left it, just before its COMMIT. The next
   * transaction uses it only if the store's last leaf is that batch's last leaf: leaves
   * carry unique ids, so then the batch committed and nothing was appended since, and
   * reading the edge again would give this very edge. Otherwise (the commit failed,
   * another replica appended) the edge is read from the store.
   */
  #lastBatch: { readonly edge: CompactRange; readonly lastEntryId: string } | undefined;
  readonly #leafRows: RowInserter;
  readonly #nodeRows: RowInserter;

  constructor(store: Store) {
    this.#store = store;
    this.#leafRows = new RowInserter(store.dialect, 'audit_leaves', ['idx', 'kind', 'entry_id', 'organization_id', 'created_at', 'entry']);
    this.#nodeRows = new RowInserter(store.dialect, 'audit_nodes', ['last_leaf', 'level', 'hash']);
  }

  /**
   * Appends a leaf in `tx` and returns its index; it joins the tree when `tx` commits.
   * The nodes it completes are stored from `lowestStoredLevel` up.
   * In a group-commit writer transaction the rows of all its leaves are written by a
   * few multi-row inserts just before COMMIT — statements per request would cost more
   * CPU than the rest of the receipt — so reads inside `tx` do not see them yet.
   */
  async append(tx: Transaction<Database>, entry: LogEntry): Promise<number> {
    const open = this.#open.get(tx) ?? (await this.#begin(tx));
    const index = open.edge.size;
    const hash = leafHash(entry.text);
    // Spelled out: a spread gives every leaf a map of its own, and each read of one then misses V8's inline caches.
    const leaf: StoredLeaf = { index, kind: entry.kind, entryId: entry.entryId, organizationId: entry.organizationId, createdAt: entry.createdAt, text: entry.text };
    open.lastEntryId = entry.entryId;
    if (!open.batched) {
      // The edge changes only once the leaf row is in, so a refused leaf leaves it as it was.
      await this.#insertLeaves(tx, [leaf]);
      await this.#insertNodes(tx, nodesToStore(open.edge.append(hash)));
      return index;
    }
    open.leaves.push(leaf);
    for (const node of nodesToStore(open.edge.append(hash))) open.nodes.push(node);
    return index;
  }

  async #begin(tx: Transaction<Database>): Promise<OpenAppends> {
    // Replicas sharing PostgreSQL take turns from here to commit, so that each reads the edge the last one left.
    await lockAppendOrder(this.#store, tx, 'auditLeaves');
    const open: OpenAppends = { edge: await this.#loadEdge(tx), lastEntryId: undefined, batched: false, leaves: [], nodes: [] };
    open.batched = beforeCommit(tx, this, async (committing) => {
      // Forgotten as soon as it is written: a WeakMap entry outlives its transaction until a
      // major collection, and kept the batch's leaf texts alive long enough to be promoted.
      this.#open.delete(committing);
      await this.#insertLeaves(committing, open.leaves);
      await this.#insertNodes(committing, open.nodes);
      if (open.lastEntryId !== undefined) this.#lastBatch = { edge: open.edge.clone(), lastEntryId: open.lastEntryId };
    });
    this.#open.set(tx, open);
    return open;
  }

  /** The number of leaves committed so far. */
  async size(db: Reader = this.#store.db): Promise<number> {
    const row = await db.selectFrom('auditLeaves').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirst();
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

  async findLeaf(entryId: string, db: Reader = this.#store.db): Promise<StoredLeaf | undefined> {
    const row = await db.selectFrom('auditLeaves').selectAll().where('entryId', '=', entryId).executeTakeFirst();
    if (row === undefined) return undefined;
    return { index: row.idx, kind: row.kind as LogEntryKind, entryId: row.entryId, organizationId: row.organizationId, createdAt: row.createdAt, text: row.entry };
  }

  async #insertLeaves(tx: Reader, leaves: readonly StoredLeaf[]): Promise<void> {
    await this.#leafRows.insert(tx, leaves.map((l) => [l.index, l.kind, l.entryId, l.organizationId, l.createdAt, l.text]));
  }

  async #insertNodes(tx: Reader, nodes: readonly StoredNode[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.#nodeRows.insert(tx, nodes.map((n) => [lastLeafOf(n), n.level, n.hash]));
  }

  async #loadEdge(tx: Reader): Promise<CompactRange> {
    const last = (await tx.executeQuery<{ last: number | string; entryId: string }>(lastLeaf)).rows[0];
    const size = last === undefined ? 0 : Number(last.last) + 1;
    const cached = this.#lastBatch;
    if (cached !== undefined && last !== undefined && cached.edge.size === size && cached.lastEntryId === last.entryId) return cached.edge.clone();
    const ids = perfectNodes({ begin: 0, end: size });
    const hashes = await nodeHashes(tx, ids);
    return new CompactRange(size, ids.map((id) => hashes.get(nodeKey(id))!));
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

/** Reads stored perfect-subtree hashes by id; a missing one means the log is not what it claims, and fails loudly. */
async function readNodes(db: Reader, ids: readonly NodeId[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (ids.length === 0) return found;
  const rows = await db
    .selectFrom('auditNodes')
    .select(['lastLeaf', 'level', 'hash'])
    .where((eb) => eb.or(ids.map((id) => eb.and([eb('lastLeaf', '=', lastLeafOf(id)), eb('level', '=', id.level)]))))
    .execute();
  for (const row of rows) found.set(nodeKey(nodeEndingAt(Number(row.lastLeaf), row.level)), Buffer.from(row.hash));
  const missing = ids.find((id) => !found.has(nodeKey(id)));
  if (missing !== undefined) throw new Error(`transparency log node ${missing.level}/${missing.index} is missing from the store`);
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
    for (let index = begin; index < end; index += 1) if (!hashes.has(index)) throw new Error(`transparency log leaf ${index} is missing from the store`);
  }
  return hashes;
}
