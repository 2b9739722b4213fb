import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session-context';
import { OrganizationPicker, organizationsQuery, useChosenOrganization } from '../../ui/organization-picker';
import { QueryState } from '../../ui/query-state';
import { rangeBounds } from '../../ui/time-range';
import { TimeRangePicker } from '../../ui/time-range-picker';
import { liveDeploymentsQuery, sitesQuery } from '../sites/sites-page';
import { mapRoute } from './map-route';
import { siteHealth } from './site-health';
import { type MapSite, SovereigntyMap } from './sovereignty-map';
import { countryPoint } from './world-geometry';

const groupsQuery = {
  queryKey: ['jurisdiction-groups'],
  queryFn: () => unwrap(api.GET('/admin/v1/jurisdiction-groups', { params: { query: { limit: 200 } } })),
};

/** The countries a policy's list names, with groups (EU, EEA …) opened into their members. */
function expand(codes: readonly string[], groups: readonly { id: string; countries: string[] }[]): Set<string> {
  const byId = new Map(groups.map((group) => [group.id, group.countries]));
  return new Set(codes.flatMap((code) => byId.get(code) ?? [code]));
}

/** Where an organization's requests were processed, where they may be, and what each site's health is. */
export function MapPage() {
  const { session } = useSession();
  const operator = session?.principal.kind === 'operator';
  const search = mapRoute.useSearch();
  const range = search.range ?? '7d';
  const navigate = useNavigate({ from: mapRoute.fullPath });
  const orgId = useChosenOrganization(search.org);
  const sites = useQuery(sitesQuery);
  const live = useQuery({ ...liveDeploymentsQuery, enabled: operator });
  const groups = useQuery(groupsQuery);
  const organizations = useQuery({ ...organizationsQuery, enabled: orgId !== undefined });
  const policy = useQuery({
    queryKey: ['orgs', orgId, 'policy'],
    queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/policy', { params: { path: { orgId: orgId! } } })),
    enabled: orgId !== undefined,
  });
  const flows = useQuery({
    queryKey: ['usage', 'flows', range, orgId],
    queryFn: () =>
      unwrap(
        api.GET('/admin/v1/usage/flows', {
          params: { query: { ...rangeBounds(range), ...(orgId === undefined ? {} : { organizationId: orgId }) } },
        }),
      ),
    enabled: orgId !== undefined,
  });
  const home = organizations.data?.data.find((org) => org.id === orgId)?.homeJurisdiction;
  const allowedCodes = policy.data?.allowedJurisdictions;
  const denied = expand(policy.data?.deniedJurisdictions ?? [], groups.data?.data ?? []);
  const allowed =
    allowedCodes === null || allowedCodes === undefined
      ? ('anywhere' as const)
      : new Set([...expand(allowedCodes, groups.data?.data ?? [])].filter((code) => !denied.has(code)));
  const setSearch = (next: { org?: string; range?: typeof range }) =>
    void navigate({ search: (current) => ({ ...current, ...next }) });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sovereignty map</h1>
      <div className="grid">
        <OrganizationPicker value={orgId} onChange={(org) => setSearch({ org })} />
        <TimeRangePicker value={range} onChange={(next) => setSearch({ range: next })} />
      </div>
      <QueryState query={sites}>
        {(sitePage) => {
          const mapSites: MapSite[] = sitePage.data.map((site) => ({
            id: site.id,
            name: site.name,
            jurisdiction: site.jurisdiction,
            health: siteHealth(site.id, operator ? (live.data?.data ?? []) : undefined),
          }));
          const served = flows.data?.flows ?? [];
          return (
            <div className="map-layout">
              <div className="panel">
                <SovereigntyMap sites={mapSites} allowed={allowed} home={home} flows={served} />
                <p className="legend">
                  Shaded: where {orgId ?? 'the organization'} may be served
                  {allowed === 'anywhere' ? ' (anywhere)' : ''}. Dots: sites, green healthy, amber degraded, red
                  failing, grey idle or not shown to you. Lines: requests from its home ({home ?? 'unknown'}) to the
                  sites that served them.
                </p>
              </div>
              <table>
                <caption>Sites, and the requests each served for {orgId ?? 'the organization'}</caption>
                <thead>
                  <tr>
                    <th scope="col">Site</th>
                    <th scope="col">Jurisdiction</th>
                    <th scope="col">May serve it</th>
                    <th scope="col">Health</th>
                    <th scope="col" className="number">
                      Requests served
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {mapSites.map((site) => (
                    <tr key={site.id}>
                      <td>
                        {site.name}
                        {countryPoint(site.jurisdiction) === undefined ? ' (too small to draw at this scale)' : ''}
                      </td>
                      <td>{site.jurisdiction}</td>
                      <td>{allowed === 'anywhere' || allowed.has(site.jurisdiction) ? 'yes' : 'no'}</td>
                      <td>{site.health}</td>
                      <td className="number" data-testid={`served-${site.id}`}>
                        {served
                          .filter((flow) => flow.siteId === site.id)
                          .reduce((sum, flow) => sum + flow.requests, 0)
                          .toLocaleString()}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </QueryState>
      <section className="panel" aria-labelledby="refusals-title">
        <h2 id="refusals-title">Requests refused or held back</h2>
        {(flows.data?.refusals.length ?? 0) === 0 ? (
          <p>None in this period.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col" className="number">
                  Requests
                </th>
              </tr>
            </thead>
            <tbody>
              {flows.data?.refusals.map((refusal) => (
                <tr key={`${refusal.organizationId}:${refusal.reason}`}>
                  <td>{refusal.reason}</td>
                  <td className="number">{refusal.requests.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
