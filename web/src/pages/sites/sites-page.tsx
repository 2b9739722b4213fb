import { useQuery } from '@tanstack/react-query';
import type { Answer } from '../../api/answer';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session-context';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

type Site = Answer<'/admin/v1/sites'>['data'][number];
type LiveDeployment = Answer<'/admin/v1/deployments/status'>['data'][number];

export const sitesQuery = {
  queryKey: ['sites'],
  queryFn: () => unwrap(api.GET('/admin/v1/sites', { params: { query: { limit: 200 } } })),
};

export const liveDeploymentsQuery = {
  queryKey: ['deployments', 'status'],
  queryFn: () => unwrap(api.GET('/admin/v1/deployments/status')),
  // Circuits and requests in flight change by the second: keep the table current while it is open.
  refetchInterval: 5_000,
};

const circuitWords = { closed: 'healthy', half_open: 'recovering', open: 'failing' } as const;

function accelerators(site: Site): string {
  if (site.accelerators.length === 0) return 'not stated';
  return site.accelerators.map((a) => `${a.count} × ${a.vendor} ${a.type}`).join(', ');
}

function routingState(deployment: LiveDeployment): string {
  if (!deployment.enabled) return 'disabled';
  if (deployment.routing === null) return 'not routed (refused at load; see the server log)';
  return circuitWords[deployment.routing.circuit];
}

function DeploymentRow({ deployment }: { readonly deployment: LiveDeployment }) {
  const toggle = useAction(
    () =>
      unwrap(
        api.PATCH('/admin/v1/deployments/{deploymentId}', {
          params: { path: { deploymentId: deployment.deploymentId } },
          body: { enabled: !deployment.enabled },
        }),
      ),
    [liveDeploymentsQuery.queryKey],
  );
  const { routing, engine } = deployment;
  return (
    <tr>
      <td>
        <code>{deployment.deploymentId}</code>
      </td>
      <td>{deployment.modelId}</td>
      <td>{deployment.kind}</td>
      <td data-testid={`state-${deployment.deploymentId}`}>{routingState(deployment)}</td>
      <td className="number">{routing?.requestsInFlight ?? '—'}</td>
      <td className="number">
        {routing?.firstByteLatencyMs === null || routing === null ? '—' : `${routing.firstByteLatencyMs.toFixed(1)} ms`}
      </td>
      <td>
        {engine === null ? '—' : `${engine.state}${engine.reason === null ? '' : `: ${engine.reason}`}`}
        {engine !== null && ` (${engine.requestsRunning} running, ${engine.requestsWaiting} waiting)`}
      </td>
      <td>
        <button
          type="button"
          className="secondary"
          disabled={toggle.isPending}
          aria-label={`${deployment.enabled ? 'Disable' : 'Enable'} deployment ${deployment.deploymentId}`}
          onClick={() => toggle.mutate(undefined)}
        >
          {deployment.enabled ? 'Disable' : 'Enable'}
        </button>
        {toggle.isError && <ErrorMessage error={toggle.error} />}
      </td>
    </tr>
  );
}

function SitePanel({ site, deployments }: { readonly site: Site; readonly deployments: readonly LiveDeployment[] }) {
  const place = [site.city, site.region, site.jurisdiction].filter((part) => part !== null).join(', ');
  return (
    <section className="panel" aria-labelledby={`site-${site.id}`}>
      <h2 id={`site-${site.id}`}>
        {site.name} <code>{site.id}</code>
      </h2>
      <p>
        {place} · accelerators: {accelerators(site)} · power:{' '}
        {site.powerKw === null ? 'not stated' : `${site.powerKw} kW`}
      </p>
      {deployments.length === 0 ? (
        <p>No deployment at this site.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Model</th>
              <th scope="col">Engine</th>
              <th scope="col">State</th>
              <th scope="col" className="number">
                In flight
              </th>
              <th scope="col" className="number">
                First byte
              </th>
              <th scope="col">Embedded engine</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {deployments.map((deployment) => (
              <DeploymentRow key={deployment.deploymentId} deployment={deployment} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Every site with its deployments and what each is doing now; the operator enables or disables them here. */
export function SitesPage() {
  const { session } = useSession();
  const operator = session?.principal.kind === 'operator';
  const sites = useQuery(sitesQuery);
  const live = useQuery({ ...liveDeploymentsQuery, enabled: operator });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sites and deployments</h1>
      {!operator && <p>Deployments and their state are shown to the operator only.</p>}
      <QueryState query={sites}>
        {(page) => (
          <>
            {page.data.length === 0 && <p>No site yet.</p>}
            {page.data.map((site) => (
              <SitePanel
                key={site.id}
                site={site}
                deployments={(live.data?.data ?? []).filter((deployment) => deployment.siteId === site.id)}
              />
            ))}
          </>
        )}
      </QueryState>
      {live.isError && <ErrorMessage error={live.error} />}
    </section>
  );
}
