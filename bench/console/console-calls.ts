/** One admin API call the console makes, timed as the page would make it. */
export interface ConsoleCall {
  readonly name: string;
  /** Below /admin/v1, with its query. */
  readonly path: string;
  /** Who calls: the operator, or an organization admin of `organizationId`. */
  readonly as: 'operator' | 'org_admin';
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hour = (ms: number) => `${new Date(ms).toISOString().slice(0, 13)}:00:00Z`;

/**
 * Every call of the console's pages, with the periods a user picks most: the last day and
 * week by hour, the last 30 and 90 days by day. Add a page's calls here to time them too.
 */
export function consoleCalls(nowMs: number, organizationId: string, cursorId: string): readonly ConsoleCall[] {
  const dayMs = 86_400_000;
  const lastDay = `from=${hour(nowMs - dayMs)}&to=${hour(nowMs + 3_600_000)}&bucket=hour`;
  const lastWeek = `from=${hour(nowMs - 7 * dayMs)}&to=${hour(nowMs + 3_600_000)}&bucket=hour`;
  const last30 = `from=${isoDay(nowMs - 30 * dayMs)}&to=${isoDay(nowMs + dayMs)}&bucket=day`;
  const last90 = `from=${isoDay(nowMs - 90 * dayMs)}&to=${isoDay(nowMs + dayMs)}&bucket=day`;
  const org = `organizationId=${organizationId}`;
  return [
    { name: 'overview, 24 h by hour', path: `/console/overview?${lastDay}`, as: 'operator' },
    { name: 'overview, 7 days by hour', path: `/console/overview?${lastWeek}`, as: 'operator' },
    { name: 'overview, 90 days by day', path: `/console/overview?${last90}`, as: 'operator' },
    { name: 'overview, 90 days, org admin', path: `/console/overview?${last90}`, as: 'org_admin' },
    { name: 'series by model, 7 days by hour', path: `/usage/series?${lastWeek}&groupBy=model`, as: 'operator' },
    { name: 'series by organization, 90 days', path: `/usage/series?${last90}&groupBy=organization`, as: 'operator' },
    {
      name: 'series by key, filtered, 30 days',
      path: `/usage/series?${last30}&groupBy=key&${org}&modelId=qwen3-8b&status=200`,
      as: 'operator',
    },
    { name: 'series by site, 30 days, org admin', path: `/usage/series?${last30}&groupBy=site`, as: 'org_admin' },
    { name: 'flows, 30 days', path: `/usage/flows?${last30}`, as: 'operator' },
    { name: 'flows, 90 days, org admin', path: `/usage/flows?${last90}`, as: 'org_admin' },
    { name: 'CSV export by model, 90 days', path: `/usage/export.csv?${last90}&groupBy=model`, as: 'operator' },
    { name: 'request list, newest 50', path: '/usage?order=desc&totals=false&limit=50', as: 'operator' },
    {
      name: 'request list, a page deep in the past',
      path: `/usage?order=desc&totals=false&limit=50&after=${cursorId}`,
      as: 'operator',
    },
    {
      name: 'request list, org admin, filtered',
      path: '/usage?order=desc&totals=false&limit=50&status=200&modelId=qwen3-8b',
      as: 'org_admin',
    },
    { name: 'organizations', path: '/orgs?limit=100', as: 'operator' },
    { name: 'sites', path: '/sites', as: 'operator' },
    { name: 'deployments', path: '/deployments', as: 'operator' },
    { name: 'models', path: '/models', as: 'operator' },
    { name: 'policy of an organization', path: `/orgs/${organizationId}/policy`, as: 'org_admin' },
    { name: 'balance', path: `/orgs/${organizationId}/balance`, as: 'org_admin' },
    { name: 'statement', path: `/orgs/${organizationId}/statement`, as: 'org_admin' },
    { name: 'fund applications', path: `/orgs/${organizationId}/applications`, as: 'org_admin' },
  ];
}
