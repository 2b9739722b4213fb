/*
 * The transparency log's tables (migrations 0005 and 0008), kept beside `database.ts` so that the
 * shared schema file grows by a few lines only. Hashes are raw 32-byte SHA-256 values:
 * both drivers read `blob`/`bytea` back as a Buffer.
 */

/** One leaf: `entry` is the exact UTF-8 text whose RFC 9162 leaf hash is in the tree. */
export interface AuditLeavesTable {
  idx: number;
  kind: string;
  entryId: string;
  organizationId: string | null;
  createdAt: string;
  entry: string;
}

/**
 * The hash of a perfect subtree, keyed by the last leaf it covers and its level: the
 * subtree over leaves [lastLeaf + 1 − 2^level, lastLeaf].
 */
export interface AuditNodesTable {
  lastLeaf: number;
  level: number;
  hash: Buffer;
}

/** A signed checkpoint, as published: `note` is the whole C2SP signed note. */
export interface AuditCheckpointsTable {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  createdAt: string;
}
