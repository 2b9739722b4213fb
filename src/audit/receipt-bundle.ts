import { canonicalJson } from './canonical-json.js';
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { isHash, leafHash } from './merkle-hash.js';
import { type Receipt, receiptType, receiptVersion } from './receipt.js';
import type { NoteKey } from './signed-note.js';
import { verifyInclusion } from './verify-proofs.js';

export const receiptBundleVersion = 1;

/**
 * Everything needed to check a receipt offline with only the log's public key: the
 * receipt, where it sits in the log, the inclusion proof to a signed checkpoint, and
 * that checkpoint. `GET /v1/receipts/{id}` answers with one.
 */
export interface ReceiptBundle {
  readonly object: 'receipt_bundle';
  readonly version: typeof receiptBundleVersion;
  readonly receipt: Receipt;
  readonly leafIndex: number;
  readonly treeSize: number;
  /** Base64 hashes, leaf side first, as RFC 9162's inclusion_path. */
  readonly inclusionProof: readonly string[];
  /** The signed checkpoint (a C2SP signed note) the proof leads to. */
  readonly checkpoint: string;
}

/** Why a receipt bundle failed to verify. */
export class ReceiptVerificationError extends Error {
  override readonly name = 'ReceiptVerificationError';
}

export interface VerifiedReceipt {
  readonly receipt: Receipt;
  readonly leafIndex: number;
  readonly checkpoint: Checkpoint;
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
const proofLengthMax = 64;

function fail(message: string): never {
  throw new ReceiptVerificationError(message);
}

function checkShape(value: unknown): ReceiptBundle {
  const bundle = value as Partial<ReceiptBundle> | null;
  if (typeof bundle !== 'object' || bundle === null) fail('a receipt bundle is a JSON object');
  if (bundle.object !== 'receipt_bundle' || bundle.version !== receiptBundleVersion)
    fail(`not a receipt bundle of version ${receiptBundleVersion}`);
  const receipt = bundle.receipt as Partial<Receipt> | undefined;
  if (
    typeof receipt !== 'object' ||
    receipt === null ||
    receipt.type !== receiptType ||
    receipt.version !== receiptVersion
  ) {
    fail(`the bundle holds no receipt of version ${receiptVersion}`);
  }
  if (!Number.isSafeInteger(bundle.leafIndex) || !Number.isSafeInteger(bundle.treeSize))
    fail('leafIndex and treeSize must be integers');
  const proof = bundle.inclusionProof;
  if (
    !Array.isArray(proof) ||
    proof.length > proofLengthMax ||
    !proof.every((h) => typeof h === 'string' && base64.test(h))
  ) {
    fail('inclusionProof must be a list of base64 hashes');
  }
  if (typeof bundle.checkpoint !== 'string') fail('checkpoint must be a signed note');
  return bundle as ReceiptBundle;
}

/**
 * Verifies a receipt bundle with the log's key alone: the checkpoint's signature, then
 * that the canonical JSON of the receipt is leaf `leafIndex` of the tree the checkpoint
 * signs. Throws `ReceiptVerificationError` (or `NoteError` for the checkpoint) naming
 * the first thing that does not hold.
 */
export function verifyReceiptBundle(value: unknown, key: NoteKey): VerifiedReceipt {
  const bundle = checkShape(value);
  const checkpoint = openCheckpoint(bundle.checkpoint, key);
  if (checkpoint.size !== bundle.treeSize)
    fail(`the proof is for a tree of ${bundle.treeSize} leaves, the checkpoint signs ${checkpoint.size}`);
  const proof = bundle.inclusionProof.map((h) => Buffer.from(h, 'base64'));
  if (!proof.every(isHash)) fail('every proof hash must be 32 bytes');
  const hash = leafHash(canonicalJson(bundle.receipt));
  if (!verifyInclusion(bundle.leafIndex, checkpoint.size, hash, proof, checkpoint.root)) {
    fail(
      `the receipt is not leaf ${bundle.leafIndex} of the tree the checkpoint signs: it was altered, or the proof is wrong`,
    );
  }
  return { receipt: bundle.receipt, leafIndex: bundle.leafIndex, checkpoint };
}
