import type { Kysely } from 'kysely';
import type { Database, Store } from '../store/index.js';
import { canonicalJson } from './canonical-json.js';
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { CompactRange } from './compact-range.js';
import { leafHash } from './merkle-hash.js';
import type { Receipt } from './receipt.js';
import type { NoteKey } from './signed-note.js';
import { logEntryKinds, lowestStoredLevel, nodesToStore } from './transparency-log.js';
import { nodeEndingAt, nodeKey } from './tree-ranges.js';

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
const entryTypes: Readonly<Record<string, string>> = { receipt: 'commonweal.receipt', admin_change: 'commonweal.admin_change' };

/**
 * Checks the whole log in the store from scratch, trusting nothing but the log's key:
 * every leaf is rehashed and the tree rebuilt, every stored node compared with the
 * rebuilt one (and their number with the number the log keeps), every stored
 * checkpoint's signature and root checked, every receipt compared with the usage record
 * it describes, and every usage record written since the log began must have its
 * receipt. It reads one snapshot, so it may run while the server appends.
 */
export async function verifyStoredLog(store: Store, key: NoteKey, options: StoredLogVerifierOptions = {}): Promise<StoredLogReport> {
  let run = store.db.transaction();
  if (store.dialect === 'postgres') run = run.setIsolationLevel('repeatable read');
  return run.execute((tx) => new LogVerification(tx, key, options).run());
}

class LogVerification {
  readonly #db: Kysely<Database>;
  readonly #key: NoteKey;
  readonly #options: StoredLogVerifierOptions;
  readonly #problems: string[] = [];
  readonly #expectedRoots = new Map<number, { root: Buffer; what: string }>();
  #receipts = 0;
  #adminChanges = 0;
  #firstReceiptAt: string | undefined;

  constructor(db: Kysely<Database>, key: NoteKey, options: StoredLogVerifierOptions) {
    this.#db = db;
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
    if (Number(count) !== size) this.#problem(`leaf indices run to ${size - 1} but only ${Number(count)} leaves exist: leaves were deleted`);
    const { checkpoints, latest } = await this.#checkCheckpoints(size);
    const range = await this.#rebuild(size);
    for (const [treeSize, expected] of this.#expectedRoots) {
      if (treeSize > range.size) this.#problem(`${expected.what} signs ${treeSize} leaves but the log holds only ${range.size}: leaves were removed`);
    }
    await this.#checkNodeCount(size);
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
      if (checkpoint !== undefined) this.#expectRoot(checkpoint, `trusted checkpoint ${i + 1} (size ${checkpoint.size})`);
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
    if (known !== undefined && !known.root.equals(checkpoint.root)) this.#problem(`${what} and ${known.what} sign different roots for the same size: the log forked`);
    else this.#expectedRoots.set(checkpoint.size, { root: checkpoint.root, what });
  }

  /** Rebuilds the tree leaf by leaf, a page at a time, comparing as it goes. */
  async #rebuild(size: number): Promise<CompactRange> {
    const range = new CompactRange(0, []);
    const pageSize = this.#options.pageSize ?? 5_000;
    this.#checkRootAt(range);
    // Each turn reads the next page by primary key; the loop ends at the last leaf.
    while (range.size < size) {
      const begin = range.size;
      const rows = await this.#db.selectFrom('auditLeaves').selectAll().where('idx', '>=', begin).orderBy('idx').limit(pageSize).execute();
      if (rows.length === 0) break;
      const stored = await this.#storedNodes(begin, Number(rows.at(-1)!.idx) + 1);
      const usage = await this.#usageRecords(rows.filter((r) => r.kind === 'receipt').map((r) => r.entryId));
      for (const row of rows) {
        if (Number(row.idx) !== range.size) {
          this.#problem(`leaf ${range.size} is missing (the next stored leaf is ${Number(row.idx)})`);
          return range;
        }
        this.#checkEntry(row, usage);
        for (const node of nodesToStore(range.append(leafHash(row.entry)))) {
          const found = stored.get(nodeKey(node));
          if (found === undefined || !found.equals(node.hash)) this.#problem(`node ${node.level}/${node.index} (completed by leaf ${Number(row.idx)}) ${found === undefined ? 'is missing' : 'does not match its leaves'}`);
        }
        this.#checkRootAt(range);
      }
    }
    return range;
  }

  #checkRootAt(range: CompactRange): void {
    const expected = this.#expectedRoots.get(range.size);
    if (expected !== undefined && !expected.root.equals(range.root())) this.#problem(`the leaves do not hash to the root that ${expected.what} signed`);
  }

  /** The stored nodes that leaves [begin, end) complete: those whose last leaf falls in the range, one key range of the table. */
  async #storedNodes(begin: number, end: number): Promise<Map<string, Buffer>> {
    const nodes = new Map<string, Buffer>();
    const rows = await this.#db.selectFrom('auditNodes').select(['lastLeaf', 'level', 'hash']).where('lastLeaf', '>=', begin).where('lastLeaf', '<', end).execute();
    for (const row of rows) nodes.set(nodeKey(nodeEndingAt(Number(row.lastLeaf), row.level)), Buffer.from(row.hash));
    return nodes;
  }

  async #usageRecords(ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db.selectFrom('usageRecords').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, row as unknown as Record<string, unknown>]));
  }

  #checkEntry(row: { idx: number; kind: string; entryId: string; organizationId: string | null; createdAt: string; entry: string }, usage: Map<string, Record<string, unknown>>): void {
    const where = `leaf ${Number(row.idx)} (${row.entryId})`;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(row.entry) as Record<string, unknown>;
    } catch {
      this.#problem(`${where}: not JSON`);
      return;
    }
    if (canonicalJson(entry) !== row.entry) this.#problem(`${where}: not in canonical JSON`);
    if (!(logEntryKinds as readonly string[]).includes(row.kind) || entry.type !== entryTypes[row.kind]) this.#problem(`${where}: kind ${row.kind} but type ${String(entry.type)}`);
    if (entry.id !== row.entryId || entry.createdAt !== row.createdAt || (entry.organizationId ?? null) !== row.organizationId) {
      this.#problem(`${where}: its columns disagree with the entry`);
    }
    if (row.kind === 'admin_change') this.#adminChanges += 1;
    if (row.kind !== 'receipt') return;
    this.#receipts += 1;
    this.#firstReceiptAt ??= row.createdAt;
    this.#checkReceipt(where, entry as unknown as Receipt, usage.get(row.entryId));
  }

  #checkReceipt(where: string, receipt: Receipt, record: Record<string, unknown> | undefined): void {
    if (record === undefined) {
      this.#problem(`${where}: no usage record ${receipt.id} exists`);
      return;
    }
    const booleans = new Set(['usageEstimated', 'streamed']);
    const fields = ['createdAt', 'organizationId', 'projectId', 'endpoint', 'modelId', 'deploymentId', 'siteId', 'jurisdiction', 'promptTokens', 'completionTokens', 'totalTokens', 'usageEstimated', 'streamed', 'status', 'outcome', 'errorCode', 'policyVersion'] as const;
    for (const field of fields) {
      const stored = booleans.has(field) ? record[field] === 1 : record[field];
      if (receipt[field] !== (typeof stored === 'string' || typeof stored === 'boolean' || stored === null ? stored : Number(stored))) {
        this.#problem(`${where}: the receipt says ${field} ${JSON.stringify(receipt[field])}, the usage record ${JSON.stringify(stored)}`);
      }
    }
  }

  async #checkNodeCount(size: number): Promise<void> {
    let expected = 0;
    for (let width = 2 ** lowestStoredLevel; width <= size; width *= 2) expected += Math.floor(size / width);
    const { count } = await this.#db.selectFrom('auditNodes').select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow();
    if (Number(count) !== expected) this.#problem(`the store holds ${Number(count)} tree nodes; a tree of ${size} leaves has ${expected}`);
  }

  /** Usage and receipts commit together, so a usage record written since the log began without a receipt was added behind the log's back. */
  async #checkUnreceiptedUsage(): Promise<void> {
    if (this.#firstReceiptAt === undefined) return;
    const rows = await this.#db
      .selectFrom('usageRecords')
      .select('id')
      .where('createdAt', '>=', this.#firstReceiptAt)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('auditLeaves').select('idx').whereRef('auditLeaves.entryId', '=', 'usageRecords.id'))))
      .limit(10)
      .execute();
    for (const row of rows) this.#problem(`usage record ${row.id} has no receipt in the log`);
  }
}
