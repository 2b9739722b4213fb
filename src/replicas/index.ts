export { ConfirmedAdminChanges } from './confirmed-admin-changes.js';
export { ReplicaConfigSync, type ReplicaConfigSyncOptions } from './replica-config-sync.js';
export type { SessionOptions } from './session-client.js';
export { SignerLease } from './signer-lease.js';
