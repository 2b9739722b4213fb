/** A running replica on PostgreSQL (migration 0016): the admin-change count its caches hold, and its lease. */
export interface ReplicaLeasesTable {
  replicaId: string;
  loadedSerial: number;
  /** When the lease ends, in milliseconds since the epoch on the database's clock. */
  leaseUntilMs: number;
}
