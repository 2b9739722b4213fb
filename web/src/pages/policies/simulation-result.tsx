import type { Answer } from '../../api/answer';

type Simulation = Answer<'/admin/v1/policy/simulate', 'post'>;
type Effect = Simulation['losing'][number];

function EffectTable({ caption, effects }: { readonly caption: string; readonly effects: readonly Effect[] }) {
  if (effects.length === 0) return null;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Organization / project</th>
          <th scope="col">Model</th>
          <th scope="col">Deployments allowed now</th>
          <th scope="col">After the change</th>
        </tr>
      </thead>
      <tbody>
        {effects.map((effect) => (
          <tr key={`${effect.organizationId}/${effect.projectId}/${effect.modelId}`}>
            <td>
              {effect.organizationId}
              {effect.projectId === null ? '' : ` / ${effect.projectId}`}
            </td>
            <td>{effect.modelId}</td>
            <td>{effect.allowedBefore.join(', ') || 'none'}</td>
            <td>{effect.allowedAfter.join(', ') || 'none'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What a change would do: requests refused from now on, requests moved to other deployments, and new ones served. */
export function SimulationResult({ simulation }: { readonly simulation: Simulation }) {
  const { counts, traffic } = simulation;
  return (
    <div role="status" aria-live="polite" className="simulation">
      <p>
        Simulated against policy version {simulation.policyVersion}: {counts.losing} would be refused, {counts.changed}{' '}
        would move to other deployments, {counts.gaining} would be served that are refused now
        {simulation.truncated ? ' (lists cut short)' : ''}.
      </p>
      <p data-testid="simulation-traffic">
        Over the last {traffic.days} days, {traffic.refused.toLocaleString()} of {traffic.requests.toLocaleString()}{' '}
        requests would have been refused and {traffic.moved.toLocaleString()} served at a site no longer allowed.
      </p>
      <EffectTable caption="Would be refused" effects={simulation.losing} />
      <EffectTable caption="Would move to other deployments" effects={simulation.changed} />
      <EffectTable caption="Would be served" effects={simulation.gaining} />
    </div>
  );
}
