/** A page of a list, in the shape of OpenAI's list answers. */
export interface Page<T> {
  readonly object: 'list';
  readonly data: readonly T[];
  readonly first_id: string | null;
  readonly last_id: string | null;
  readonly has_more: boolean;
}

export interface PageRequest {
  /** Return items whose id sorts after this one. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export const pageLimitDefault = 50;
export const pageLimitMax = 200;

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells whether
 * more exist, so listing never needs a count query.
 */
export function toPage<T extends { readonly id: string }>(rows: readonly T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: rows.length > limit,
  };
}
