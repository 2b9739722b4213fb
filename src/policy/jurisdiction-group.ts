/**
 * A named set of jurisdictions: countries (ISO 3166-1 alpha-2) and other groups. The
 * built-in ones come from the reviewed data file; operators define their own.
 */
export interface JurisdictionGroup {
  readonly object: 'jurisdiction_group';
  readonly id: string;
  readonly name: string;
  /** Country codes and group ids, as given; `countries` is what they expand to. */
  readonly members: readonly string[];
  readonly builtIn: boolean;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

/**
 * Operator group ids are upper case, digits and underscores, and never two letters alone,
 * so that none can be read as a country code, today's or a future one (`G20` is fine,
 * `XK` is not). The built-in EU is the one exception; see the data file.
 */
export const jurisdictionGroupIdPattern = '^(?![A-Z]{2}$)[A-Z][A-Z0-9_]{1,31}$';

/** Members a group may list directly; nesting reaches further. */
export const jurisdictionGroupMembersMax = 300;

/** How deep groups may nest (a group of countries has depth 1), so that expansion stays cheap and readable. */
export const jurisdictionGroupDepthMax = 8;
