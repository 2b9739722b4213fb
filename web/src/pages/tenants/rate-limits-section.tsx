import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

const rateLimitsQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'rate-limits'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/rate-limits', { params: { path: { orgId } } })),
});

/** An empty field keeps the limit as it is; "none" removes it. */
function perMinute(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed.toLowerCase() === 'none') return null;
  return Number(trimmed);
}

export function RateLimitsSection({ orgId }: { readonly orgId: string }) {
  const limits = useQuery(rateLimitsQuery(orgId));
  const [scope, setScope] = useState<'project' | 'key'>('project');
  const [scopeId, setScopeId] = useState('');
  const [rpm, setRpm] = useState('');
  const [tpm, setTpm] = useState('');
  const save = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/orgs/{orgId}/rate-limits', {
          params: { path: { orgId } },
          body: { scope, scopeId, requestsPerMinute: perMinute(rpm), tokensPerMinute: perMinute(tpm) },
        }),
      ),
    [rateLimitsQuery(orgId).queryKey],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(undefined);
  };
  const shown = (value: number | null) => (value === null ? 'unlimited' : value.toLocaleString());
  return (
    <section className="panel" aria-labelledby="limits-title">
      <h2 id="limits-title">Rate limits</h2>
      <QueryState query={limits}>
        {(page) =>
          page.data.length === 0 ? (
            <p>No rate limit.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Applies to</th>
                  <th scope="col" className="number">
                    Requests per minute
                  </th>
                  <th scope="col" className="number">
                    Tokens per minute
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((limit) => (
                  <tr key={limit.id}>
                    <td>
                      {limit.scope} {limit.scopeId}
                    </td>
                    <td className="number">{shown(limit.requestsPerMinute)}</td>
                    <td className="number">{shown(limit.tokensPerMinute)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <form onSubmit={submit} aria-labelledby="limit-set-title" className="inline-form">
        <h3 id="limit-set-title">Set a rate limit</h3>
        <label htmlFor="limit-scope">Applies to</label>
        <select id="limit-scope" value={scope} onChange={(e) => setScope(e.target.value as 'project' | 'key')}>
          <option value="project">a project</option>
          <option value="key">an API key</option>
        </select>
        <label htmlFor="limit-scope-id">{scope === 'project' ? 'Project id' : 'API key id'}</label>
        <input id="limit-scope-id" required value={scopeId} onChange={(e) => setScopeId(e.target.value)} />
        <label htmlFor="limit-rpm">Requests per minute (empty: keep; "none": remove)</label>
        <input id="limit-rpm" value={rpm} onChange={(e) => setRpm(e.target.value)} />
        <label htmlFor="limit-tpm">Tokens per minute (empty: keep; "none": remove)</label>
        <input id="limit-tpm" value={tpm} onChange={(e) => setTpm(e.target.value)} />
        <button type="submit" disabled={save.isPending}>
          Save rate limit
        </button>
        {save.isError && <ErrorMessage error={save.error} />}
      </form>
    </section>
  );
}
