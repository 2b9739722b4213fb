/** Matches a site's accelerator by vendor, by product type, or by both. */
export interface AcceleratorMatcher {
  readonly vendor?: string | undefined;
  /** Compared without regard to case: `Ascend 910B` matches `ascend 910b`. */
  readonly type?: string | undefined;
}

/**
 * Where and on what an organization's (or a project's) requests may be processed.
 * A deployment must pass every clause. `null` in an allow-list means "no constraint";
 * an empty allow-list allows nothing.
 */
export interface ResidencyPolicy {
  /** Countries or groups whose sites may process requests; null: anywhere. */
  readonly allowedJurisdictions: readonly string[] | null;
  /** Countries or groups whose sites never may; wins over `allowedJurisdictions`. */
  readonly deniedJurisdictions: readonly string[];
  /** When not empty, every accelerator of the site must match one of these, and the site must declare at least one. */
  readonly requireAccelerators: readonly AcceleratorMatcher[];
  /** A site with any accelerator matching one of these is excluded. */
  readonly denyAccelerators: readonly AcceleratorMatcher[];
  /** License names (e.g. SPDX ids) a model must carry, compared without regard to case; null: any. */
  readonly allowedModelLicenses: readonly string[] | null;
  /** Model origins (publishers) a model must come from, compared without regard to case; null: any. */
  readonly allowedModelOrigins: readonly string[] | null;
}

/** The clauses of a residency policy, in the order they are checked and explained. */
export const residencyPolicyClauses = [
  'allowedModelLicenses',
  'allowedModelOrigins',
  'allowedJurisdictions',
  'deniedJurisdictions',
  'requireAccelerators',
  'denyAccelerators',
] as const satisfies readonly (keyof ResidencyPolicy)[];

export type ResidencyPolicyClause = (typeof residencyPolicyClauses)[number];

/** Requests may be processed anywhere: the `open` server default. */
export const openResidencyPolicy: ResidencyPolicy = Object.freeze({
  allowedJurisdictions: null,
  deniedJurisdictions: Object.freeze([]),
  requireAccelerators: Object.freeze([]),
  denyAccelerators: Object.freeze([]),
  allowedModelLicenses: null,
  allowedModelOrigins: null,
});

/** Requests may be processed only in the organization's home country: the `home` server default. */
export function homeResidencyPolicy(homeJurisdiction: string): ResidencyPolicy {
  return Object.freeze({ ...openResidencyPolicy, allowedJurisdictions: Object.freeze([homeJurisdiction]) });
}

function unique<T>(values: readonly T[], key: (value: T) => string): readonly T[] {
  const seen = new Map<string, T>();
  for (const value of values) if (!seen.has(key(value))) seen.set(key(value), value);
  return Object.freeze(Array.from(seen.values()));
}

const matcherKey = (m: AcceleratorMatcher) => `${m.vendor ?? ''}\u0000${(m.type ?? '').toLowerCase()}`;

/**
 * A complete policy from a partial one: absent clauses take the open value, duplicates
 * go, and matchers keep only the keys they set, so that equal policies compare equal.
 */
export function toResidencyPolicy(input: Partial<ResidencyPolicy>): ResidencyPolicy {
  const text = (values: readonly string[] | null | undefined) => (values == null ? null : unique(values, (v) => v));
  const matchers = (values: readonly AcceleratorMatcher[] | undefined) =>
    unique(
      (values ?? []).map((m) =>
        Object.freeze({
          ...(m.vendor === undefined ? {} : { vendor: m.vendor }),
          ...(m.type === undefined ? {} : { type: m.type }),
        }),
      ),
      matcherKey,
    );
  return Object.freeze({
    allowedJurisdictions: text(input.allowedJurisdictions),
    deniedJurisdictions: text(input.deniedJurisdictions) ?? Object.freeze([]),
    requireAccelerators: matchers(input.requireAccelerators),
    denyAccelerators: matchers(input.denyAccelerators),
    allowedModelLicenses: text(input.allowedModelLicenses),
    allowedModelOrigins: text(input.allowedModelOrigins),
  });
}

/** The jurisdiction codes a policy names, for checking them and for finding who refers to a group. */
export function jurisdictionsNamedBy(policy: ResidencyPolicy): readonly string[] {
  return [...(policy.allowedJurisdictions ?? []), ...policy.deniedJurisdictions];
}
