/** A record as it was before an update and as the update left it, for the change's log leaf. */
export interface RecordUpdate<T> {
  readonly before: T;
  readonly after: T;
}
