/*
 * The transparency log's tables (migrations 0005 and 0011), kept beside `database.ts` so that the
 * shared schema file grows by a few lines only. Hashes are raw 32-byte SHA-256 values:
 * both drivers read `blob`/`bytea` back as a Buffer.
 */

/**
 * One leaf: `entry` is the exact UTF-8 text whose RFC 9162 leaf hash is in the tree.
 * `subtreeHashes` holds the hashes of the perfect subtrees of level 4 and up that end at
 * this leaf, lowest level first, 32 bytes each; null when it ends none (migration 0011).
 */
export interface AuditLeavesTable {
  idx: number;
  entry: string;
  subtreeHashes: Buffer | null;
}

/** A signed checkpoint, as published: `note` is the whole C2SP signed note. */
export interface AuditCheckpointsTable {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  createdAt: string;
}

/** One row (id 1): how many admin changes have committed, counted in commit order (migration 0016). */
export interface AdminChangeHeadTable {
  id: number;
  serial: number;
}
