/** Who is calling, as established by the bearer token of a request. */
export type Principal =
  | { readonly kind: 'operator' }
  | { readonly kind: 'org_admin'; readonly organizationId: string; readonly keyId: string }
  | { readonly kind: 'project'; readonly organizationId: string; readonly projectId: string; readonly keyId: string };
