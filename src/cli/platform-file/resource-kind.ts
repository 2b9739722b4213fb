import type { AdminHttpClient } from '../admin-http-client.js';
import type { DeclaredItem } from './declared-schemas.js';
import type { ServerReader } from './server-reader.js';

/** A resource the server has, in its declared form, and the admin path that changes or deletes it. */
export interface CurrentItem {
  readonly declared: DeclaredItem;
  readonly path: string;
}

export type UpdateCall = (
  client: AdminHttpClient,
  item: DeclaredItem,
  fields: readonly string[],
  current: CurrentItem,
) => Promise<void>;

export type DeleteCall = (client: AdminHttpClient, current: CurrentItem) => Promise<void>;

/**
 * How one list of a platform file maps onto the admin API: how an item is found again
 * (its key), read, created, changed and deleted. What the API cannot do is said, so that
 * a plan refuses it before any change rather than failing halfway.
 */
export interface ResourceKind {
  /** What the plan calls one, e.g. `site`. */
  readonly noun: string;
  /** Whether the server's order means something (rules: the first match wins), so an export keeps it. */
  readonly ordered?: boolean;
  key(item: DeclaredItem): string;
  read(server: ServerReader): Promise<CurrentItem[]>;
  create(client: AdminHttpClient, item: DeclaredItem): Promise<void>;
  /** Changes `fields` of the current item to the declared values; a string says why the API cannot. */
  readonly update: UpdateCall | string;
  /** Deletes the current item; a string says why the API cannot. */
  readonly delete: DeleteCall | string;
  /** Why a change to these fields cannot be applied; fields left out can be changed. */
  readonly fixedFields?: Readonly<Record<string, string>>;
  /** Whether a file that leaves the item out leaves it alone, without a word, even with --prune. */
  leftAloneWhenAbsent?(current: CurrentItem): boolean;
  /** How an update is carried out when the API has no update for it, e.g. replaced. */
  readonly updateNote?: string;
  /** The item with what its absent fields mean filled in, when absent is not "leave as it is". */
  normalize?(item: DeclaredItem): DeclaredItem;
}
