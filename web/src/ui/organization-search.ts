/** `?org=` of pages that show one organization, so that a view can be shared by its URL. */
export function organizationSearch(search: Record<string, unknown>): { org?: string | undefined } {
  return { org: typeof search.org === 'string' && search.org !== '' ? search.org : undefined };
}
