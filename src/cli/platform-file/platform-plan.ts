import {
  type DeclaredItem,
  type PlatformDocument,
  type PlatformList,
  platformLists,
  secretFields,
} from './declared-schemas.js';
import type { CurrentItem, ResourceKind } from './resource-kind.js';
import { resourceKinds } from './resource-kinds.js';
import { sameValue } from './same-value.js';

export interface FieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly secret: boolean;
}

export type PlanStep =
  | { readonly action: 'create'; readonly list: PlatformList; readonly key: string; readonly item: DeclaredItem }
  | {
      readonly action: 'update';
      readonly list: PlatformList;
      readonly key: string;
      readonly item: DeclaredItem;
      readonly current: CurrentItem;
      readonly changes: readonly FieldChange[];
    }
  | { readonly action: 'delete'; readonly list: PlatformList; readonly key: string; readonly current: CurrentItem };

/** What the server has and the file does not, left as it is, and why. */
export interface KeptItem {
  readonly list: PlatformList;
  readonly key: string;
  readonly reason: string;
}

export interface Plan {
  readonly steps: readonly PlanStep[];
  readonly kept: readonly KeptItem[];
  /** Changes the admin API cannot make: any of them stops the apply before its first call. */
  readonly refusals: readonly string[];
  readonly unchanged: number;
}

export type PlatformState = Readonly<Record<PlatformList, readonly CurrentItem[]>>;

export interface PlanOptions {
  /** Delete what the server has and the file does not. */
  readonly prune: boolean;
  /** Send every declared secret again: the server never shows one, so a changed secret cannot be seen. */
  readonly resendSecrets: boolean;
}

function fieldChanges(
  list: PlatformList,
  kind: ResourceKind,
  item: DeclaredItem,
  current: CurrentItem,
  options: PlanOptions,
) {
  const declared = kind.normalize?.(item) ?? item;
  const existing = kind.normalize?.(current.declared) ?? current.declared;
  const secrets = secretFields[list] ?? [];
  const changes: FieldChange[] = [];
  for (const field of Object.keys(declared)) {
    const to = declared[field];
    const from = existing[field];
    if (secrets.includes(field)) {
      const set = to != null;
      if (set !== (from != null) || (set && options.resendSecrets)) changes.push({ field, from, to, secret: true });
    } else if (!sameValue(to, from)) {
      changes.push({ field, from, to, secret: false });
    }
  }
  return changes;
}

/**
 * What applying a declared platform to a server would do, field by field, in the order
 * it would be done: creates and changes in dependency order (what a resource refers to
 * first), then, with `prune`, deletions in the reverse order.
 */
export function planChanges(document: PlatformDocument, state: PlatformState, options: PlanOptions): Plan {
  const steps: PlanStep[] = [];
  const refusals: string[] = [];
  let unchanged = 0;
  const declaredKeys = new Map<PlatformList, Set<string>>();
  for (const list of platformLists) {
    const kind = resourceKinds[list];
    const current = new Map(state[list].map((c) => [kind.key(c.declared), c]));
    declaredKeys.set(list, new Set());
    for (const item of document[list] ?? []) {
      const key = kind.key(item);
      declaredKeys.get(list)!.add(key);
      const existing = current.get(key);
      if (existing === undefined) {
        steps.push({ action: 'create', list, key, item });
        continue;
      }
      const changes = fieldChanges(list, kind, item, existing, options);
      if (changes.length === 0) unchanged += 1;
      else steps.push({ action: 'update', list, key, item, current: existing, changes });
      for (const change of changes) {
        const reason = typeof kind.update === 'string' ? kind.update : kind.fixedFields?.[change.field];
        if (reason !== undefined) refusals.push(`${kind.noun} ${key}: ${change.field} differs; ${reason}`);
      }
    }
  }
  const kept: KeptItem[] = [];
  for (const list of [...platformLists].reverse()) {
    const kind = resourceKinds[list];
    for (const current of state[list]) {
      const key = kind.key(current.declared);
      if (declaredKeys.get(list)!.has(key) || kind.leftAloneWhenAbsent?.(current)) continue;
      // What could not be deleted anyway is mentioned only when deleting was asked for.
      if (typeof kind.delete === 'string') {
        if (options.prune) kept.push({ list, key, reason: `kept: ${kind.delete}` });
      } else if (options.prune) steps.push({ action: 'delete', list, key, current });
      else kept.push({ list, key, reason: 'not in file, kept (use --prune)' });
    }
  }
  return { steps, kept, refusals, unchanged };
}
