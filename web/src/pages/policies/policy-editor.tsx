import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import type { Answer } from '../../api/answer';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session-context';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';
import { parseJurisdictions, showJurisdictions } from './jurisdiction-list';
import { SimulationResult } from './simulation-result';

type Simulation = Answer<'/admin/v1/policy/simulate', 'post'>;

const policyQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'policy'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/policy', { params: { path: { orgId } } })),
});

/**
 * An organization's residency policy: where its requests may be processed. A change is
 * simulated first (what would be refused or moved), then saved as a new policy version.
 */
export function PolicyEditor({ orgId }: { readonly orgId: string }) {
  const { session } = useSession();
  const operator = session?.principal.kind === 'operator';
  const policy = useQuery(policyQuery(orgId));
  const [anywhere, setAnywhere] = useState(true);
  const [allowed, setAllowed] = useState('');
  const [denied, setDenied] = useState('');
  const [simulation, setSimulation] = useState<Simulation>();
  useEffect(() => {
    if (policy.data === undefined) return;
    setAnywhere(policy.data.allowedJurisdictions === null);
    setAllowed((policy.data.allowedJurisdictions ?? []).join(', '));
    setDenied(policy.data.deniedJurisdictions.join(', '));
    setSimulation(undefined);
  }, [policy.data]);
  const proposed = () => ({
    allowedJurisdictions: anywhere ? null : parseJurisdictions(allowed),
    deniedJurisdictions: parseJurisdictions(denied),
  });
  const simulate = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/policy/simulate', {
          body: { kind: 'organization_policy', organizationId: orgId, policy: proposed() },
        }),
      ),
    [],
  );
  const save = useAction(
    () => unwrap(api.PUT('/admin/v1/orgs/{orgId}/policy', { params: { path: { orgId } }, body: proposed() })),
    [policyQuery(orgId).queryKey, ['policy', 'changes']],
  );
  const onSimulate = (event: FormEvent) => {
    event.preventDefault();
    simulate.mutate(undefined, { onSuccess: setSimulation });
  };
  return (
    <section className="panel" aria-labelledby="policy-title">
      <h2 id="policy-title">Residency policy</h2>
      <QueryState query={policy}>
        {(current) => (
          <p>
            Version {current.version} ({current.source === 'stored' ? 'set for this organization' : 'server default'}):
            allowed {showJurisdictions(current.allowedJurisdictions)}; denied{' '}
            {current.deniedJurisdictions.length === 0 ? 'none' : current.deniedJurisdictions.join(', ')}.
          </p>
        )}
      </QueryState>
      {!operator && <p>The operator sets an organization's policy; here you can see it and simulate changes.</p>}
      <form onSubmit={onSimulate} aria-labelledby="policy-edit-title">
        <h3 id="policy-edit-title">Change it</h3>
        <label>
          <input type="checkbox" checked={anywhere} onChange={(e) => setAnywhere(e.target.checked)} /> Allow any
          jurisdiction (except the denied ones)
        </label>
        {!anywhere && (
          <>
            <label htmlFor="policy-allowed">Allowed jurisdictions (country codes or groups such as EU)</label>
            <input id="policy-allowed" value={allowed} onChange={(e) => setAllowed(e.target.value)} />
          </>
        )}
        <label htmlFor="policy-denied">Denied jurisdictions</label>
        <input id="policy-denied" value={denied} onChange={(e) => setDenied(e.target.value)} />
        <button type="submit" disabled={simulate.isPending}>
          Simulate
        </button>{' '}
        {operator && (
          <button
            type="button"
            className="secondary"
            disabled={save.isPending || simulation === undefined}
            title={simulation === undefined ? 'simulate the change first' : undefined}
            onClick={() => save.mutate(undefined)}
          >
            Save as a new version
          </button>
        )}
      </form>
      {simulate.isError && <ErrorMessage error={simulate.error} />}
      {save.isError && <ErrorMessage error={save.error} />}
      {save.isSuccess && <p role="status">Saved: version {save.data.version} is in force.</p>}
      {simulation !== undefined && <SimulationResult simulation={simulation} />}
    </section>
  );
}
