/**
 * Every route of the management API as data, so that authorization tests can loop over
 * all of them. admin-isolation.test.ts checks this table against the OpenAPI document,
 * so a new route that is missing here fails a test instead of going untested.
 */

/** Who may call a route, which decides what each kind of caller must get back. */
export type RouteAccess =
  /** Inside one organization: its org admins may call it; any other organization answers 404. */
  | 'org'
  /** Names one organization but only the operator may call it: another organization is 404 first, one's own is 403. */
  | 'org-operator'
  /** GET /orgs: an org admin sees only its own organization. */
  | 'org-list'
  /** The catalog, readable by org admins. */
  | 'catalog-read'
  /** Takes the organization as a filter: an org admin is confined to its own (usage-admin.test.ts checks how). */
  | 'org-filter'
  /** Operator only: org admins get 403. */
  | 'operator'
  /** Tells the caller about itself only (GET /session). */
  | 'self'
  /** Reads one record of an organization by its id: another organization's answers 404 (console-transparency.test.ts). */
  | 'record-owner';

/** The records a route's path and body refer to. */
export interface RouteTargets {
  readonly orgId: string;
  readonly projectId: string;
  readonly keyId: string;
  readonly modelId: string;
  readonly siteId: string;
  readonly deploymentId: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRoute {
  readonly method: HttpMethod;
  /** The path below /admin/v1, with parameters written as in the OpenAPI document. */
  readonly template: string;
  readonly access: RouteAccess;
  /** A body the route's schema accepts, so that validation never answers before authorization. */
  readonly body?: (targets: RouteTargets) => unknown;
  /** Path parameters that are not per-organization records, such as a rule id, given once for the route. */
  readonly fixed?: {
    readonly ruleId?: string;
    readonly groupId?: string;
    readonly programId?: string;
    readonly applicationId?: string;
    readonly budgetId?: string;
    readonly transferId?: string;
    readonly pullId?: string;
    readonly receiptId?: string;
  };
}

export const adminRouteTable: readonly AdminRoute[] = Object.freeze([
  { method: 'GET', template: '/orgs', access: 'org-list' },
  {
    method: 'POST',
    template: '/orgs',
    access: 'operator',
    body: () => ({ name: 'Intruder Org', homeJurisdiction: 'DE' }),
  },
  { method: 'GET', template: '/orgs/{orgId}', access: 'org' },
  { method: 'PATCH', template: '/orgs/{orgId}', access: 'org-operator', body: () => ({ name: 'Hijacked' }) },
  { method: 'DELETE', template: '/orgs/{orgId}', access: 'org-operator' },
  { method: 'GET', template: '/orgs/{orgId}/projects', access: 'org' },
  { method: 'POST', template: '/orgs/{orgId}/projects', access: 'org', body: () => ({ name: 'Intruder project' }) },
  { method: 'GET', template: '/orgs/{orgId}/projects/{projectId}', access: 'org' },
  {
    method: 'PATCH',
    template: '/orgs/{orgId}/projects/{projectId}',
    access: 'org',
    body: () => ({ name: 'Hijacked' }),
  },
  { method: 'DELETE', template: '/orgs/{orgId}/projects/{projectId}', access: 'org' },
  { method: 'GET', template: '/orgs/{orgId}/keys', access: 'org' },
  {
    method: 'POST',
    template: '/orgs/{orgId}/keys',
    access: 'org',
    body: (t) => ({ role: 'project', projectId: t.projectId, name: 'intruder' }),
  },
  { method: 'GET', template: '/orgs/{orgId}/keys/{keyId}', access: 'org' },
  { method: 'DELETE', template: '/orgs/{orgId}/keys/{keyId}', access: 'org' },
  { method: 'GET', template: '/models', access: 'catalog-read' },
  {
    method: 'POST',
    template: '/models',
    access: 'operator',
    body: () => ({ id: 'intruder-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 }),
  },
  { method: 'GET', template: '/models/{modelId}', access: 'catalog-read' },
  { method: 'PATCH', template: '/models/{modelId}', access: 'operator', body: () => ({ inputPriceMicroPerMtok: 0 }) },
  { method: 'DELETE', template: '/models/{modelId}', access: 'operator' },
  { method: 'GET', template: '/sites', access: 'catalog-read' },
  {
    method: 'POST',
    template: '/sites',
    access: 'operator',
    body: () => ({ id: 'intruder-site', name: 'Intruder site', jurisdiction: 'DE' }),
  },
  { method: 'GET', template: '/sites/{siteId}', access: 'catalog-read' },
  { method: 'PATCH', template: '/sites/{siteId}', access: 'operator', body: () => ({ jurisdiction: 'US' }) },
  { method: 'DELETE', template: '/sites/{siteId}', access: 'operator' },
  { method: 'POST', template: '/model-pulls', access: 'operator', body: () => ({ source: '/srv/intruder.gguf' }) },
  { method: 'GET', template: '/model-pulls/{pullId}', access: 'operator', fixed: { pullId: 'pull_none' } },
  { method: 'POST', template: '/demo-model', access: 'operator' },
  { method: 'GET', template: '/deployments', access: 'operator' },
  {
    method: 'POST',
    template: '/deployments',
    access: 'operator',
    body: (t) => ({
      id: 'intruder-deployment',
      modelId: t.modelId,
      siteId: t.siteId,
      kind: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
    }),
  },
  { method: 'GET', template: '/deployments/{deploymentId}', access: 'operator' },
  { method: 'PATCH', template: '/deployments/{deploymentId}', access: 'operator', body: () => ({ enabled: false }) },
  { method: 'DELETE', template: '/deployments/{deploymentId}', access: 'operator' },
  { method: 'GET', template: '/deployments/{deploymentId}/status', access: 'operator' },
  { method: 'GET', template: '/deployments/status', access: 'operator' },
  { method: 'GET', template: '/usage', access: 'org-filter' },
  { method: 'GET', template: '/session', access: 'self' },
  { method: 'GET', template: '/receipts/{receiptId}', access: 'record-owner', fixed: { receiptId: 'req_none' } },
  { method: 'GET', template: '/usage/series', access: 'org-filter' },
  { method: 'GET', template: '/usage/export.csv', access: 'org-filter' },
  { method: 'GET', template: '/usage/flows', access: 'org-filter' },
  { method: 'GET', template: '/console/overview', access: 'org-filter' },
  { method: 'GET', template: '/orgs/{orgId}/policy', access: 'org' },
  {
    method: 'PUT',
    template: '/orgs/{orgId}/policy',
    access: 'org-operator',
    body: () => ({ allowedJurisdictions: ['US'] }),
  },
  { method: 'GET', template: '/orgs/{orgId}/projects/{projectId}/policy', access: 'org' },
  {
    method: 'PUT',
    template: '/orgs/{orgId}/projects/{projectId}/policy',
    access: 'org',
    body: () => ({ allowedJurisdictions: ['US'] }),
  },
  { method: 'DELETE', template: '/orgs/{orgId}/projects/{projectId}/policy', access: 'org' },
  { method: 'GET', template: '/policy/changes', access: 'org-filter' },
  {
    method: 'POST',
    template: '/policy/explain',
    access: 'org-filter',
    body: (t) => ({ organizationId: t.orgId, modelId: t.modelId }),
  },
  {
    method: 'POST',
    template: '/policy/simulate',
    access: 'operator',
    body: (t) => ({ kind: 'organization_policy', organizationId: t.orgId, policy: {} }),
  },
  { method: 'GET', template: '/policy/rules', access: 'operator' },
  {
    method: 'POST',
    template: '/policy/rules',
    access: 'operator',
    body: () => ({ id: 'intruder-rule', effect: 'allow', match: {}, reason: 'intruder' }),
  },
  { method: 'GET', template: '/policy/rules/{ruleId}', access: 'operator', fixed: { ruleId: 'some-rule' } },
  {
    method: 'PATCH',
    template: '/policy/rules/{ruleId}',
    access: 'operator',
    fixed: { ruleId: 'some-rule' },
    body: () => ({ effect: 'allow' }),
  },
  { method: 'DELETE', template: '/policy/rules/{ruleId}', access: 'operator', fixed: { ruleId: 'some-rule' } },
  { method: 'GET', template: '/jurisdiction-groups', access: 'catalog-read' },
  {
    method: 'POST',
    template: '/jurisdiction-groups',
    access: 'operator',
    body: () => ({ id: 'INTRUDERS', name: 'Intruders', members: ['US'] }),
  },
  { method: 'GET', template: '/jurisdiction-groups/{groupId}', access: 'catalog-read', fixed: { groupId: 'EU' } },
  {
    method: 'PATCH',
    template: '/jurisdiction-groups/{groupId}',
    access: 'operator',
    fixed: { groupId: 'SOME_GROUP' },
    body: () => ({ members: ['US'] }),
  },
  {
    method: 'DELETE',
    template: '/jurisdiction-groups/{groupId}',
    access: 'operator',
    fixed: { groupId: 'SOME_GROUP' },
  },
  { method: 'GET', template: '/orgs/{orgId}/balance', access: 'org' },
  {
    method: 'POST',
    template: '/orgs/{orgId}/credits',
    access: 'org-operator',
    body: () => ({ amountMicro: 1_000_000 }),
  },
  { method: 'GET', template: '/orgs/{orgId}/statement', access: 'org' },
  { method: 'GET', template: '/orgs/{orgId}/budgets', access: 'org' },
  {
    method: 'POST',
    template: '/orgs/{orgId}/budgets',
    access: 'org',
    body: () => ({ scope: 'organization', period: 'month', limitMicro: 1 }),
  },
  {
    method: 'DELETE',
    template: '/orgs/{orgId}/budgets/{budgetId}',
    access: 'org',
    fixed: { budgetId: 'budget_someone' },
  },
  { method: 'GET', template: '/orgs/{orgId}/rate-limits', access: 'org' },
  {
    method: 'POST',
    template: '/orgs/{orgId}/rate-limits',
    access: 'org-operator',
    body: (t) => ({ scope: 'project', scopeId: t.projectId, requestsPerMinute: 1, tokensPerMinute: null }),
  },
  { method: 'GET', template: '/orgs/{orgId}/applications', access: 'org' },
  {
    method: 'POST',
    template: '/orgs/{orgId}/applications',
    access: 'org',
    body: () => ({ programId: 'some-program', description: 'intruder' }),
  },
  { method: 'GET', template: '/programs', access: 'catalog-read' },
  {
    method: 'POST',
    template: '/programs',
    access: 'operator',
    body: () => ({ id: 'intruder-program', name: 'Intruder', defaultGrantMicro: 1, grantDurationDays: 1 }),
  },
  {
    method: 'POST',
    template: '/programs/{programId}/fund',
    access: 'operator',
    fixed: { programId: 'some-program' },
    body: () => ({ amountMicro: 1 }),
  },
  {
    method: 'GET',
    template: '/programs/{programId}/applications',
    access: 'operator',
    fixed: { programId: 'some-program' },
  },
  {
    method: 'POST',
    template: '/programs/{programId}/applications/{applicationId}/approve',
    access: 'operator',
    fixed: { programId: 'some-program', applicationId: 'app_someone' },
    body: () => ({}),
  },
  {
    method: 'POST',
    template: '/programs/{programId}/applications/{applicationId}/reject',
    access: 'operator',
    fixed: { programId: 'some-program', applicationId: 'app_someone' },
    body: () => ({ reason: 'intruder' }),
  },
  { method: 'GET', template: '/programs/{programId}/report', access: 'operator', fixed: { programId: 'some-program' } },
  { method: 'GET', template: '/ledger/accounts', access: 'operator' },
  {
    method: 'POST',
    template: '/ledger/transfers',
    access: 'operator',
    body: () => ({ id: 'intruder-transfer', debitAccountId: 'issuance', creditAccountId: 'revenue', amountMicro: 1 }),
  },
  {
    method: 'POST',
    template: '/ledger/transfers/{transferId}/post',
    access: 'operator',
    fixed: { transferId: 'some-hold' },
    body: () => ({ id: 'intruder-post' }),
  },
  {
    method: 'POST',
    template: '/ledger/transfers/{transferId}/void',
    access: 'operator',
    fixed: { transferId: 'some-hold' },
    body: () => ({ id: 'intruder-void' }),
  },
  {
    method: 'POST',
    template: '/ledger/transfers/{transferId}/reverse',
    access: 'operator',
    fixed: { transferId: 'some-transfer' },
    body: () => ({ id: 'intruder-reversal' }),
  },
  { method: 'GET', template: '/ledger/verify', access: 'operator' },
  { method: 'POST', template: '/ledger/sweep', access: 'operator' },
] satisfies AdminRoute[]);

/** The full request path of a route for the given records, with each parameter URL-encoded. */
export function routePath(route: AdminRoute, targets: RouteTargets): string {
  return (
    '/admin/v1' +
    route.template.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value =
        route.fixed?.[name as keyof NonNullable<AdminRoute['fixed']>] ?? targets[name as keyof RouteTargets];
      if (value === undefined) throw new Error(`route ${route.template} names an unknown parameter "${name}"`);
      return encodeURIComponent(value);
    })
  );
}

export function routeLabel(route: AdminRoute): string {
  return `${route.method} ${route.template}`;
}
