export type { AdminChangeInput } from './admin-change.js';
export { AdminChangeLog, type AdminChanges } from './admin-change-log.js';
export { adminChangeChannel, readAdminChangeSerial } from './admin-change-serial.js';
export type { AdminChangeJob, AdminWrite } from './admin-write.js';
export { canonicalJson } from './canonical-json.js';
export { openCheckpoint } from './checkpoint.js';
export { checkLogKey } from './check-log-key.js';
export { CheckpointPublisher, type SigningLease } from './checkpoint-publisher.js';
export { CompactRange } from './compact-range.js';
export { findReceipt, type ReceiptLeaf } from './find-receipt.js';
export { ExchangeDigest } from './exchange-digest.js';
export { createLogHttpHandler, logKeyPath } from './log-http-handler.js';
export { defaultLogOrigin, LogSigner } from './log-signer.js';
export { LogWitness, type WitnessState } from './log-witness.js';
export { leafHash } from './merkle-hash.js';
export { type ReceiptFacts, receiptText, toReceipt } from './receipt.js';
export { type ReceiptBundle, verifyReceiptBundle } from './receipt-bundle.js';
export { type FoundReceiptBundle, ReceiptBundles } from './receipt-bundles.js';
export { ed25519PublicKeyBytes, formatVerifierKey, type NoteKey, noteKey, parseVerifierKey } from './signed-note.js';
export { verifyStoredLog } from './verify-stored-log.js';
export {
  isStoredNode,
  lowestStoredLevel,
  nodesToStore,
  storedNodeHash,
  subtreeHashes,
  TransparencyLog,
} from './transparency-log.js';
export {
  consistencyRanges,
  inclusionRanges,
  lastLeafOf,
  type LeafRange,
  leavesOf,
  perfectNodes,
} from './tree-ranges.js';
export { verifyConsistency, verifyInclusion } from './verify-proofs.js';
