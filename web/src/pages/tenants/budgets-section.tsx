import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { formatCredits, parseCredits } from '../../ui/credits';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

const budgetsQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'budgets'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/budgets', { params: { path: { orgId } } })),
});

type Scope = 'organization' | 'project' | 'key';
type Period = 'day' | 'month' | 'window';

/** Spending caps per organization, project or key, with what the current period has spent and holds. */
export function BudgetsSection({ orgId }: { readonly orgId: string }) {
  const budgets = useQuery(budgetsQuery(orgId));
  const [scope, setScope] = useState<Scope>('organization');
  const [scopeId, setScopeId] = useState('');
  const [period, setPeriod] = useState<Period>('month');
  const [limit, setLimit] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const create = useAction(
    (limitMicro: number) =>
      unwrap(
        api.POST('/admin/v1/orgs/{orgId}/budgets', {
          params: { path: { orgId } },
          body: { scope, period, limitMicro, ...(scope === 'organization' ? {} : { scopeId }) },
        }),
      ),
    [budgetsQuery(orgId).queryKey],
  );
  const remove = useAction(
    (budgetId: string) =>
      unwrap(api.DELETE('/admin/v1/orgs/{orgId}/budgets/{budgetId}', { params: { path: { orgId, budgetId } } })),
    [budgetsQuery(orgId).queryKey],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const limitMicro = parseCredits(limit);
    setInvalid(limitMicro === undefined ? 'the limit is a number of credits, with at most six decimals' : undefined);
    if (limitMicro !== undefined) create.mutate(limitMicro, { onSuccess: () => setLimit('') });
  };
  return (
    <section className="panel" aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      <QueryState query={budgets}>
        {(page) =>
          page.data.length === 0 ? (
            <p>No budget: spending is bounded by the balance only.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Applies to</th>
                  <th scope="col">Period</th>
                  <th scope="col" className="number">
                    Limit (credits)
                  </th>
                  <th scope="col" className="number">
                    Spent
                  </th>
                  <th scope="col" className="number">
                    Held now
                  </th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((budget) => (
                  <tr key={budget.id}>
                    <td>
                      {budget.scope} {budget.scope === 'organization' ? '' : budget.scopeId}
                    </td>
                    <td>{budget.period}</td>
                    <td className="number">{formatCredits(budget.limitMicro)}</td>
                    <td className="number">{formatCredits(budget.spentMicro)}</td>
                    <td className="number">{formatCredits(budget.reservedMicro)}</td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Delete the ${budget.period} budget of ${budget.scope} ${budget.scopeId}`}
                        onClick={() => remove.mutate(budget.id)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      {remove.isError && <ErrorMessage error={remove.error} />}
      <form onSubmit={submit} aria-labelledby="budget-create-title" className="inline-form">
        <h3 id="budget-create-title">Add a budget</h3>
        <label htmlFor="budget-scope">Applies to</label>
        <select id="budget-scope" value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
          <option value="organization">the whole organization</option>
          <option value="project">one project</option>
          <option value="key">one API key</option>
        </select>
        {scope !== 'organization' && (
          <>
            <label htmlFor="budget-scope-id">{scope === 'project' ? 'Project id' : 'API key id'}</label>
            <input id="budget-scope-id" required value={scopeId} onChange={(e) => setScopeId(e.target.value)} />
          </>
        )}
        <label htmlFor="budget-period">Period</label>
        <select id="budget-period" value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
          <option value="day">per day (UTC)</option>
          <option value="month">per month (UTC)</option>
          <option value="window">once, over a window</option>
        </select>
        <label htmlFor="budget-limit">Limit in credits</label>
        <input
          id="budget-limit"
          required
          inputMode="decimal"
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
        />
        <button type="submit" disabled={create.isPending}>
          Add budget
        </button>
        {invalid !== undefined && <ErrorMessage error={invalid} />}
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
    </section>
  );
}
