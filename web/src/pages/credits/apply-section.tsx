import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { formatCredits, formatDate } from '../../ui/credits';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';
import { programsQuery } from './programs-section';

const ownApplicationsQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'applications'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/applications', { params: { path: { orgId } } })),
});

/** An organization applies to a fund program and follows its applications. */
export function ApplySection({ orgId }: { readonly orgId: string }) {
  const programs = useQuery(programsQuery);
  const applications = useQuery(ownApplicationsQuery(orgId));
  const [programId, setProgramId] = useState('');
  const [description, setDescription] = useState('');
  const apply = useAction(
    (chosen: string) =>
      unwrap(
        api.POST('/admin/v1/orgs/{orgId}/applications', {
          params: { path: { orgId } },
          body: { programId: chosen, description },
        }),
      ),
    [ownApplicationsQuery(orgId).queryKey],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = programId || programs.data?.data[0]?.id;
    if (chosen !== undefined) apply.mutate(chosen, { onSuccess: () => setDescription('') });
  };
  return (
    <section className="panel" aria-labelledby="apply-title">
      <h2 id="apply-title">Applications to the fund</h2>
      <QueryState query={applications}>
        {(page) =>
          page.data.length === 0 ? (
            <p>This organization has not applied yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Program</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="number">
                    Granted
                  </th>
                  <th scope="col">Grant expires</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((application) => (
                  <tr key={application.id}>
                    <td>{application.programId}</td>
                    <td>{application.status}</td>
                    <td className="number">
                      {application.amountMicro === null ? '—' : formatCredits(application.amountMicro)}
                    </td>
                    <td>{formatDate(application.grantExpiresAt)}</td>
                    <td>{application.reason ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <form onSubmit={submit} aria-labelledby="apply-form-title" className="inline-form">
        <h3 id="apply-form-title">Apply to a program</h3>
        <label htmlFor="apply-program">Program</label>
        <select id="apply-program" value={programId} onChange={(e) => setProgramId(e.target.value)}>
          {(programs.data?.data ?? []).map((program) => (
            <option key={program.id} value={program.id}>
              {program.name}
            </option>
          ))}
        </select>
        <label htmlFor="apply-description">What the credits are for</label>
        <textarea
          id="apply-description"
          required
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <button type="submit" disabled={apply.isPending || (programs.data?.data.length ?? 0) === 0}>
          Apply
        </button>
        {apply.isError && <ErrorMessage error={apply.error} />}
      </form>
    </section>
  );
}
