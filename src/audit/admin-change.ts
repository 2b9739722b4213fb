import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export const adminChangeVersion = 1;
export const adminChangeType = 'commonweal.admin_change';

/** Who made a change: the operator, or an organization admin key. */
export type AdminActor =
  | { readonly kind: 'operator' }
  | { readonly kind: 'org_admin'; readonly organizationId: string; readonly keyId: string };

/**
 * A change made through the management API, as a route reports it. `before` and
 * `after` are the record as the API shows it (never a secret), or null where there was
 * none; only their hashes reach the log.
 */
export interface AdminChangeInput {
  readonly actor: AdminActor;
  /** What was done, e.g. `create`, `update`, `delete`, `revoke`, `grant`. */
  readonly action: string;
  /** The kind of record, e.g. `deployment`, `api_key`, `policy`, `rule`, `program`, `grant`. */
  readonly resource: string;
  readonly resourceId: string;
  /** The organization the record belongs to; null for platform-wide records (models, sites, deployments). */
  readonly organizationId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

/** The leaf of an admin change, version 1. */
export interface AdminChange {
  readonly type: typeof adminChangeType;
  readonly version: typeof adminChangeVersion;
  readonly id: string;
  readonly createdAt: string;
  readonly actor: AdminActor;
  readonly action: string;
  readonly resource: string;
  readonly resourceId: string;
  readonly organizationId: string | null;
  /** Hex SHA-256 of the canonical JSON of the record before the change; null when it did not exist. */
  readonly beforeSha256: string | null;
  readonly afterSha256: string | null;
}

/** Hex SHA-256 of a record's canonical JSON, which anyone holding the record can compute again. */
export function recordSha256(record: unknown): string | null {
  if (record === null || record === undefined) return null;
  return createHash('sha256').update(canonicalJson(record), 'utf8').digest('hex');
}

const wordMax = 64;

function checkedWord(value: string, name: string): string {
  if (value.length === 0 || value.length > wordMax)
    throw new TypeError(`admin change ${name} must be 1 to ${wordMax} characters`);
  return value;
}

export function toAdminChange(id: string, createdAt: string, input: AdminChangeInput): AdminChange {
  const { actor } = input;
  return {
    type: adminChangeType,
    version: adminChangeVersion,
    id,
    createdAt,
    // Only the fields that identify the actor, whatever else a principal object carries.
    actor:
      actor.kind === 'operator'
        ? { kind: 'operator' }
        : { kind: 'org_admin', organizationId: actor.organizationId, keyId: actor.keyId },
    action: checkedWord(input.action, 'action'),
    resource: checkedWord(input.resource, 'resource'),
    resourceId: input.resourceId,
    organizationId: input.organizationId,
    beforeSha256: recordSha256(input.before),
    afterSha256: recordSha256(input.after),
  };
}
