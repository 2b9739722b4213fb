import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Answer } from '../../api/answer';
import { api, unwrap } from '../../api/client';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';
import { parseJurisdictions } from './jurisdiction-list';

type Rule = Answer<'/admin/v1/policy/rules'>['data'][number];

const rulesQuery = {
  queryKey: ['policy', 'rules'],
  queryFn: () => unwrap(api.GET('/admin/v1/policy/rules', { params: { query: { limit: 200 } } })),
};

function describeMatch(match: Rule['match']): string {
  const parts = Object.entries(match).map(([criterion, condition]) => {
    const { in: inside, notIn } = (condition ?? {}) as { in?: string[]; notIn?: string[] };
    return inside !== undefined ? `${criterion} in ${inside.join(', ')}` : `${criterion} not in ${notIn?.join(', ')}`;
  });
  return parts.length === 0 ? 'every request' : parts.join(' and ');
}

/** The operator's ordered export-control rules: the first that matches a request decides. */
export function RulesSection() {
  const rules = useQuery(rulesQuery);
  const [id, setId] = useState('');
  const [effect, setEffect] = useState<'allow' | 'deny'>('deny');
  const [sites, setSites] = useState('');
  const [reason, setReason] = useState('');
  const create = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/policy/rules', {
          body: {
            id,
            effect,
            reason,
            match: sites === '' ? {} : { siteJurisdictions: { in: parseJurisdictions(sites) } },
          },
        }),
      ),
    [rulesQuery.queryKey, ['policy', 'changes']],
  );
  const remove = useAction(
    (ruleId: string) => unwrap(api.DELETE('/admin/v1/policy/rules/{ruleId}', { params: { path: { ruleId } } })),
    [rulesQuery.queryKey, ['policy', 'changes']],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => setId('') });
  };
  return (
    <section className="panel" aria-labelledby="rules-title">
      <h2 id="rules-title">Rules (operator)</h2>
      <QueryState query={rules}>
        {(page) =>
          page.data.length === 0 ? (
            <p>No rule: residency policies alone decide.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Effect</th>
                  <th scope="col">Matches</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((rule) => (
                  <tr key={rule.id}>
                    <td>{rule.position + 1}</td>
                    <td>
                      <code>{rule.id}</code>
                    </td>
                    <td>{rule.effect}</td>
                    <td>{describeMatch(rule.match)}</td>
                    <td>{rule.reason}</td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Delete rule ${rule.id}`}
                        onClick={() => remove.mutate(rule.id)}
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
      <form onSubmit={submit} aria-labelledby="rule-create-title" className="inline-form">
        <h3 id="rule-create-title">Add a rule at the end</h3>
        <label htmlFor="rule-id">Rule id</label>
        <input id="rule-id" required value={id} onChange={(e) => setId(e.target.value)} />
        <label htmlFor="rule-effect">Effect</label>
        <select id="rule-effect" value={effect} onChange={(e) => setEffect(e.target.value as 'allow' | 'deny')}>
          <option value="deny">deny</option>
          <option value="allow">allow</option>
        </select>
        <label htmlFor="rule-sites">Sites in jurisdictions (empty: every site)</label>
        <input id="rule-sites" value={sites} onChange={(e) => setSites(e.target.value)} />
        <label htmlFor="rule-reason">Reason (shown to refused clients)</label>
        <input id="rule-reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
        <button type="submit" disabled={create.isPending}>
          Add rule
        </button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
    </section>
  );
}
