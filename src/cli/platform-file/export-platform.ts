import {
  type PlatformDocument,
  platformApiVersion,
  platformKind,
  platformLists,
  secretFields,
} from './declared-schemas.js';
import type { PlatformState } from './platform-plan.js';
import type { CurrentItem } from './resource-kind.js';
import { resourceKinds } from './resource-kinds.js';

export interface PlatformExport {
  readonly document: PlatformDocument;
  /** What a person must know about the file, e.g. the variables its secret references name. */
  readonly notes: readonly string[];
}

/**
 * What a server has, as a platform file that `commonweal apply` takes back, to this
 * server or another. Secrets are written as references to variables, since the server
 * never gives one back; lists are sorted by key so that two exports compare line by line.
 */
export function exportPlatform(state: PlatformState): PlatformExport {
  const notes: string[] = [];
  const document: Record<string, unknown> = { apiVersion: platformApiVersion, kind: platformKind };
  for (const list of platformLists) {
    const kind = resourceKinds[list];
    const byKey = (a: CurrentItem, b: CurrentItem) => (kind.key(a.declared) < kind.key(b.declared) ? -1 : 1);
    const items = kind.ordered ? state[list] : [...state[list]].sort(byKey);
    if (items.length === 0) continue;
    document[list] = items.map((c) => c.declared);
    for (const item of items) {
      for (const field of secretFields[list] ?? []) {
        const reference = item.declared[field];
        if (typeof reference !== 'string') continue;
        notes.push(
          `${kind.noun} ${kind.key(item.declared)}: ${field} is never exported; it is written as ${reference}, ` +
            `so set ${reference.slice('env:'.length)} to it before applying this file`,
        );
      }
    }
  }
  return { document: document as PlatformDocument, notes };
}
