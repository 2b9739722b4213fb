import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorMessage } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

/** Why a request of this organization (and project) for this model would be served where it would, or refused. */
export function ExplainSection({ orgId }: { readonly orgId: string }) {
  const models = useQuery({
    queryKey: ['models'],
    queryFn: () => unwrap(api.GET('/admin/v1/models', { params: { query: { limit: 200 } } })),
  });
  const [modelId, setModelId] = useState('');
  const [projectId, setProjectId] = useState('');
  const explain = useAction(
    (model: string) =>
      unwrap(
        api.POST('/admin/v1/policy/explain', {
          body: { organizationId: orgId, modelId: model, ...(projectId === '' ? {} : { projectId }) },
        }),
      ),
    [],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const model = modelId || models.data?.data[0]?.id;
    if (model !== undefined) explain.mutate(model);
  };
  const answer = explain.data;
  return (
    <section className="panel" aria-labelledby="explain-title">
      <h2 id="explain-title">Explain a decision</h2>
      <form onSubmit={submit}>
        <label htmlFor="explain-model">Model</label>
        <select id="explain-model" value={modelId} onChange={(e) => setModelId(e.target.value)}>
          {(models.data?.data ?? []).map((model) => (
            <option key={model.id} value={model.id}>
              {model.id}
            </option>
          ))}
        </select>
        <label htmlFor="explain-project">Project id (optional)</label>
        <input id="explain-project" value={projectId} onChange={(e) => setProjectId(e.target.value)} />
        <button type="submit" disabled={explain.isPending}>
          Explain
        </button>
      </form>
      {explain.isError && <ErrorMessage error={explain.error} />}
      {answer !== undefined && (
        <div role="status">
          <p>
            Under policy version {answer.policyVersion}, a request for {answer.modelId} would be{' '}
            <strong>{answer.served ? `served (${answer.allowedDeployments} deployments allowed)` : 'refused'}</strong>.
          </p>
          <ul>
            {answer.modelExclusions.map((exclusion) => (
              <li key={exclusion.message}>{exclusion.message}</li>
            ))}
            {answer.deployments.map((deployment) => (
              <li key={deployment.deploymentId}>
                {deployment.deploymentId} at {deployment.siteId} ({deployment.jurisdiction ?? 'unknown'}):{' '}
                {deployment.allowed ? 'allowed' : deployment.exclusions.map((e) => e.message).join('; ')}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
