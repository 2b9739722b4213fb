import { useQueries, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Answer } from '../../api/answer';
import { api, unwrap } from '../../api/client';
import { formatCredits, formatDate, parseCredits } from '../../ui/credits';
import { ErrorMessage } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';
import { programsQuery } from './programs-section';

type Program = Answer<'/admin/v1/programs'>['data'][number];
type Application = Answer<'/admin/v1/programs/{programId}/applications'>['data'][number];

const applicationsQuery = (programId: string) => ({
  queryKey: ['programs', programId, 'applications'],
  queryFn: () => unwrap(api.GET('/admin/v1/programs/{programId}/applications', { params: { path: { programId } } })),
});

const soonMs = 30 * 86_400_000;

function Decision({ program, application }: { readonly program: Program; readonly application: Application }) {
  const refresh = [applicationsQuery(program.id).queryKey, ['programs', program.id, 'report'], ['orgs']];
  const [amount, setAmount] = useState(formatCredits(program.defaultGrantMicro).replaceAll(/[^\d.]/g, ''));
  const defaultExpiry = new Date(Date.now() + program.grantDurationDays * 86_400_000).toISOString().slice(0, 10);
  const [expiresOn, setExpiresOn] = useState(defaultExpiry);
  const [reason, setReason] = useState('');
  const path = { programId: program.id, applicationId: application.id };
  const approve = useAction(
    (amountMicro: number) =>
      unwrap(
        api.POST('/admin/v1/programs/{programId}/applications/{applicationId}/approve', {
          params: { path },
          body: { amountMicro, expiresAt: `${expiresOn}T00:00:00Z` },
        }),
      ),
    refresh,
  );
  const reject = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/programs/{programId}/applications/{applicationId}/reject', {
          params: { path },
          body: { reason },
        }),
      ),
    refresh,
  );
  const onApprove = (event: FormEvent) => {
    event.preventDefault();
    const amountMicro = parseCredits(amount);
    if (amountMicro !== undefined) approve.mutate(amountMicro);
  };
  const onReject = (event: FormEvent) => {
    event.preventDefault();
    reject.mutate(undefined);
  };
  const id = application.id;
  return (
    <li className="application">
      <p>
        <strong>{application.organizationId}</strong> applied to {program.name} on {formatDate(application.createdAt)}:{' '}
        “{application.description}”
      </p>
      <form onSubmit={onApprove} aria-label={`Approve the application of ${application.organizationId}`}>
        <label htmlFor={`${id}-amount`}>Grant in credits</label>
        <input id={`${id}-amount`} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        <label htmlFor={`${id}-expiry`}>Grant expires on</label>
        <input id={`${id}-expiry`} type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />
        <button type="submit" disabled={approve.isPending}>
          Approve
        </button>
      </form>
      <form onSubmit={onReject} aria-label={`Reject the application of ${application.organizationId}`}>
        <label htmlFor={`${id}-reason`}>Reason for rejecting</label>
        <input id={`${id}-reason`} required value={reason} onChange={(e) => setReason(e.target.value)} />
        <button type="submit" className="secondary" disabled={reject.isPending}>
          Reject
        </button>
      </form>
      {approve.isError && <ErrorMessage error={approve.error} />}
      {reject.isError && <ErrorMessage error={reject.error} />}
    </li>
  );
}

/** The operator's queue: pending applications of every program, and grants that expire within 30 days. */
export function ApprovalQueue() {
  const programs = useQuery(programsQuery).data?.data ?? [];
  const applications = useQueries({ queries: programs.map((program) => applicationsQuery(program.id)) });
  const rows = programs.flatMap((program, i) =>
    (applications[i]?.data?.data ?? []).map((application) => ({ program, application })),
  );
  const pending = rows.filter((row) => row.application.status === 'pending');
  const expiring = rows.filter(
    (row) =>
      row.application.grantExpiresAt !== null &&
      Date.parse(row.application.grantExpiresAt) - Date.now() < soonMs &&
      Date.parse(row.application.grantExpiresAt) > Date.now(),
  );
  return (
    <section className="panel" aria-labelledby="queue-title">
      <h2 id="queue-title">Applications waiting for a decision</h2>
      {pending.length === 0 ? (
        <p>No application is waiting.</p>
      ) : (
        <ul className="queue">
          {pending.map(({ program, application }) => (
            <Decision key={application.id} program={program} application={application} />
          ))}
        </ul>
      )}
      <h3>Grants expiring within 30 days</h3>
      {expiring.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {expiring.map(({ program, application }) => (
            <li key={application.id}>
              {application.organizationId}: {formatCredits(application.amountMicro ?? 0)} credits of {program.name},
              expire {formatDate(application.grantExpiresAt)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
