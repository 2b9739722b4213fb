import type { Kysely } from 'kysely';
import { type ReceiptedUsage, UsageReader, type UsageRecord } from '../metering/index.js';
import type { Database, Store } from '../store/index.js';
import { canonicalJson } from './canonical-json.js';
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { CompactRange, type StoredNode } from './compact-range.js';
import { leafHash } from './merkle-hash.js';
import type { Receipt } from './receipt.js';
import type { NoteKey } from './signed-note.js';
import { nodesToStore, storedNodeHash, subtreeHashes } from './transparency-log.js';

/** What `verifyStoredLog` found; the log is sound when `problems` is empty. */
export interface StoredLogReport {
  readonly leaves: number;
  readonly receipts: number;
  readonly adminChanges: number;
  readonly checkpoints: number;
  readonly latestCheckpoint: Checkpoint | undefined;
  /** Base64 root of the whole tree as recomputed from the leaves. */
  readonly root: string;
  readonly problems: readonly string[];
}

export interface StoredLogVerifierOptions {
  /** A checkpoint kept outside the database (a witness's, an auditor's) that the log must still contain. */
  readonly trustedCheckpoints?: readonly string[];
  /** Leaves read per query. */
  readonly pageSize?: number;
}

/** Reporting stops here: past a few dozen, more problems tell nothing new. */
const problemsMax = 50;
const receiptType = 'commonweal.receipt';
const adminChangeType = 'commonweal.admin_change';

type Entry = Record<string, unknown>;

/**
 * Checks the whole log in the store from scratch, trusting nothing but the log's key:
 * every leaf is rehashed and the tree rebuilt, the subtree hashes each leaf row keeps
 * compared with the rebuilt ones, every stored checkpoint's signature and root checked,
 * every receipt compared with the usage record it describes (which must name its leaf),
 * and every usage record written since the log began must have its receipt. It reads
 * one snapshot, so it may run while the server appends. The usage records are metering's:
 * it asks metering for them, in the same snapshot.
 */
export async function verifyStoredLog(
  store: Store,
  key: NoteKey,
  options: StoredLogVerifierOptions = {},
): Promise<StoredLogReport> {
  let run = store.db.transaction();
  if (store.dialect === 'postgres') run = run.setIsolationLevel('repeatable read');
  return run.execute((tx) => new LogVerification(tx, key, options).run());
}

class LogVerification {
  readonly #db: Kysely<Database>;
  readonly #usage: UsageReader;
  readonly #key: NoteKey;
  readonly #options: StoredLogVerifierOptions;
  readonly #problems: string[] = [];
  readonly #expectedRoots = new Map<number, { root: Buffer; what: string }>();
  #receipts = 0;
  #adminChanges = 0;
  #firstReceiptAt: string | undefined;

  constructor(db: Kysely<Database>, key: NoteKey, options: StoredLogVerifierOptions) {
    this.#db = db;
    this.#usage = new UsageReader(db);
    this.#key = key;
    this.#options = options;
  }

  #problem(message: string): void {
    if (this.#problems.length < problemsMax) this.#problems.push(message);
  }

  async run(): Promise<StoredLogReport> {
    const { count, last } = await this.#db
      .selectFrom('auditLeaves')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('idx').as('last')])
      .executeTakeFirstOrThrow();
    const size = last === null ? 0 : Number(last) + 1;
    if (Number(count) !== size)
      this.#problem(`leaf indices run to ${size - 1} but only ${Number(count)} leaves exist: leaves were deleted`);
    const { checkpoints, latest } = await this.#checkCheckpoints(size);
    const range = await this.#rebuild(size);
    for (const [treeSize, expected] of this.#expectedRoots) {
      if (treeSize > range.size)
        this.#problem(
          `${expected.what} signs ${treeSize} leaves but the log holds only ${range.size}: leaves were removed`,
        );
    }
    await this.#checkUnreceiptedUsage();
    return {
      leaves: size,
      receipts: this.#receipts,
      adminChanges: this.#adminChanges,
      checkpoints,
      latestCheckpoint: latest,
      root: range.root().toString('base64'),
      problems: this.#problems,
    };
  }

  async #checkCheckpoints(size: number): Promise<{ checkpoints: number; latest: Checkpoint | undefined }> {
    const rows = await this.#db.selectFrom('auditCheckpoints').selectAll().orderBy('treeSize').execute();
    let latest: Checkpoint | undefined;
    for (const row of rows) {
      const checkpoint = this.#open(row.note, `stored checkpoint ${Number(row.treeSize)}`);
      if (checkpoint === undefined) continue;
      if (checkpoint.size !== Number(row.treeSize) || !checkpoint.root.equals(Buffer.from(row.rootHash))) {
        this.#problem(`stored checkpoint ${Number(row.treeSize)}: its columns disagree with its signed note`);
      }
      this.#expectRoot(checkpoint, `stored checkpoint ${checkpoint.size}`);
      latest = checkpoint;
    }
    for (const [i, note] of (this.#options.trustedCheckpoints ?? []).entries()) {
      const checkpoint = this.#open(note, `trusted checkpoint ${i + 1}`);
      if (checkpoint !== undefined)
        this.#expectRoot(checkpoint, `trusted checkpoint ${i + 1} (size ${checkpoint.size})`);
    }
    if (latest === undefined && size > 0) this.#problem('the log has leaves but no signed checkpoint');
    return { checkpoints: rows.length, latest };
  }

  #open(note: string, what: string): Checkpoint | undefined {
    try {
      return openCheckpoint(note, this.#key);
    } catch (error) {
      this.#problem(`${what}: ${(error as Error).message}`);
      return undefined;
    }
  }

  #expectRoot(checkpoint: Checkpoint, what: string): void {
    const known = this.#expectedRoots.get(checkpoint.size);
    if (known !== undefined && !known.root.equals(checkpoint.root))
      this.#problem(`${what} and ${known.what} sign different roots for the same size: the log forked`);
    else this.#expectedRoots.set(checkpoint.size, { root: checkpoint.root, what });
  }

  /** Rebuilds the tree leaf by leaf, a page at a time, comparing as it goes. */
  async #rebuild(size: number): Promise<CompactRange> {
    const range = new CompactRange(0, []);
    const pageSize = this.#options.pageSize ?? 5_000;
    this.#checkRootAt(range);
    // Each turn reads the next page by primary key; the loop ends at the last leaf.
    while (range.size < size) {
      const rows = await this.#db
        .selectFrom('auditLeaves')
        .selectAll()
        .where('idx', '>=', range.size)
        .orderBy('idx')
        .limit(pageSize)
        .execute();
      if (rows.length === 0) break;
      const entries = rows.map((row) => this.#parse(Number(row.idx), row.entry));
      const usage = await this.#usage.withReceiptLeaves(
        entries.flatMap((entry) => (entry?.type === receiptType ? [String(entry.id)] : [])),
      );
      for (const [i, row] of rows.entries()) {
        const index = Number(row.idx);
        if (index !== range.size) {
          this.#problem(`leaf ${range.size} is missing (the next stored leaf is ${index})`);
          return range;
        }
        const entry = entries[i];
        if (entry !== undefined) this.#checkEntry(index, entry, usage);
        this.#checkSubtreeHashes(index, row.subtreeHashes, range.append(leafHash(row.entry)));
        this.#checkRootAt(range);
      }
    }
    return range;
  }

  #checkRootAt(range: CompactRange): void {
    const expected = this.#expectedRoots.get(range.size);
    if (expected !== undefined && !expected.root.equals(range.root()))
      this.#problem(`the leaves do not hash to the root that ${expected.what} signed`);
  }

  /** The hashes a leaf row keeps must be exactly those of the stored subtrees its append completed. */
  #checkSubtreeHashes(index: number, stored: Buffer | null, completed: readonly StoredNode[]): void {
    const expected = subtreeHashes(completed);
    if (stored === expected || (stored !== null && expected !== null && stored.equals(expected))) return;
    for (const node of nodesToStore(completed)) {
      const found = storedNodeHash(stored, node);
      if (found === undefined || !found.equals(node.hash)) {
        this.#problem(
          `node ${node.level}/${node.index} (completed by leaf ${index}) ${found === undefined ? 'is missing' : 'does not match its leaves'}`,
        );
        return;
      }
    }
    this.#problem(
      `leaf ${index} keeps ${stored?.length ?? 0} bytes of subtree hashes; its append completed ${expected?.length ?? 0}`,
    );
  }

  /** A leaf's entry, or undefined (and a problem) when its text is not JSON; a text not in canonical form is a problem too. */
  #parse(index: number, text: string): Entry | undefined {
    let entry: Entry;
    try {
      entry = JSON.parse(text) as Entry;
    } catch {
      this.#problem(`leaf ${index}: not JSON`);
      return undefined;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      this.#problem(`leaf ${index}: not a JSON object`);
      return undefined;
    }
    if (canonicalJson(entry) !== text) this.#problem(`leaf ${index} (${String(entry.id)}): not in canonical JSON`);
    return entry;
  }

  #checkEntry(index: number, entry: Entry, usage: ReadonlyMap<string, ReceiptedUsage>): void {
    const where = `leaf ${index} (${String(entry.id)})`;
    if (entry.type === adminChangeType) {
      this.#adminChanges += 1;
      return;
    }
    if (entry.type !== receiptType) {
      this.#problem(`${where}: unknown type ${String(entry.type)}`);
      return;
    }
    this.#receipts += 1;
    this.#firstReceiptAt ??= String(entry.createdAt);
    const stored = usage.get(String(entry.id));
    this.#checkReceipt(where, entry as unknown as Receipt, stored?.record);
    if (stored !== undefined && stored.receiptLeaf !== index)
      this.#problem(`${where}: its usage record names leaf ${String(stored.receiptLeaf)} as its receipt`);
  }

  #checkReceipt(where: string, receipt: Receipt, record: UsageRecord | undefined): void {
    if (record === undefined) {
      this.#problem(`${where}: no usage record ${receipt.id} exists`);
      return;
    }
    const fields = [
      'createdAt',
      'organizationId',
      'projectId',
      'endpoint',
      'modelId',
      'deploymentId',
      'siteId',
      'jurisdiction',
      'promptTokens',
      'completionTokens',
      'totalTokens',
      'usageEstimated',
      'streamed',
      'status',
      'outcome',
      'errorCode',
      'policyVersion',
    ] as const;
    for (const field of fields) {
      const stored = record[field];
      if (
        receipt[field] !==
        (typeof stored === 'string' || typeof stored === 'boolean' || stored === null ? stored : Number(stored))
      ) {
        this.#problem(
          `${where}: the receipt says ${field} ${JSON.stringify(receipt[field])}, the usage record ${JSON.stringify(stored)}`,
        );
      }
    }
  }

  /**
   * Usage and receipts commit together, so a usage record written since the log began
   * without a receipt was added behind the log's back. Each receipt checked above found
   * its own record naming its leaf; a record naming a leaf beyond those is a forgery too.
   */
  async #checkUnreceiptedUsage(): Promise<void> {
    if (this.#firstReceiptAt === undefined) return;
    for (const id of await this.#usage.unreceiptedSince(this.#firstReceiptAt, 10))
      this.#problem(`usage record ${id} has no receipt in the log`);
    const count = await this.#usage.receiptedCount();
    if (count !== this.#receipts)
      this.#problem(`${count} usage records name a receipt leaf, but the log holds ${this.#receipts} receipts`);
  }
}
