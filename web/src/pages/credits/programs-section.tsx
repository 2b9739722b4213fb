import { useQuery } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { api, jsonOnly, unwrap } from '../../api/client';
import type { Answer } from '../../api/answer';
import { formatCredits } from '../../ui/credits';
import { QueryState } from '../../ui/query-state';

export const programsQuery = {
  queryKey: ['programs'],
  queryFn: () => unwrap(api.GET('/admin/v1/programs')),
};

type Report = Exclude<Answer<'/admin/v1/programs/{programId}/report'>, string>;

/** Where a program's credits stand: used, granted but unused, expired, and left in its pool. */
function BurnDown({ report }: { readonly report: Report }) {
  const parts = [
    { label: 'used', micro: report.usedMicro, className: 'used' },
    { label: 'granted, not yet used', micro: report.outstandingMicro, className: 'outstanding' },
    { label: 'expired', micro: report.expiredMicro, className: 'expired' },
    { label: 'left in the pool', micro: report.remainingMicro, className: 'remaining' },
  ];
  const total = Math.max(
    1,
    parts.reduce((sum, part) => sum + part.micro, 0),
  );
  return (
    <figure className="burn-down">
      <svg viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label={`Credits of ${report.program.name}`}>
        {
          parts.reduce<{ x: number; bars: ReactElement[] }>(
            (acc, part) => {
              const width = (100 * part.micro) / total;
              acc.bars.push(
                <rect key={part.label} className={part.className} x={acc.x} y={0} width={width} height={6} />,
              );
              return { x: acc.x + width, bars: acc.bars };
            },
            { x: 0, bars: [] },
          ).bars
        }
      </svg>
      <figcaption>
        Funded {formatCredits(report.fundedMicro)}:{' '}
        {parts.map((part) => `${formatCredits(part.micro)} ${part.label}`).join(' · ')}
      </figcaption>
    </figure>
  );
}

function ProgramReport({ programId }: { readonly programId: string }) {
  const report = useQuery({
    queryKey: ['programs', programId, 'report'],
    queryFn: async () =>
      jsonOnly(
        await unwrap(
          api.GET('/admin/v1/programs/{programId}/report', {
            params: { path: { programId }, query: { format: 'json' } },
          }),
        ),
      ),
  });
  return <QueryState query={report}>{(answer) => <BurnDown report={answer} />}</QueryState>;
}

/** The fund's programs; the operator also sees each program's report. */
export function ProgramsSection({ operator }: { readonly operator: boolean }) {
  const programs = useQuery(programsQuery);
  return (
    <section className="panel" aria-labelledby="programs-title">
      <h2 id="programs-title">Fund programs</h2>
      <QueryState query={programs}>
        {(page) =>
          page.data.length === 0 ? (
            <p>No fund program yet.</p>
          ) : (
            <ul className="programs">
              {page.data.map((program) => (
                <li key={program.id}>
                  <h3>
                    {program.name} <code>{program.id}</code>
                  </h3>
                  <p>
                    Grants of {formatCredits(program.defaultGrantMicro)} credits for {program.grantDurationDays} days
                    {program.eligibleModels === null ? '' : `, for ${program.eligibleModels.join(', ')}`}.
                  </p>
                  {operator && <ProgramReport programId={program.id} />}
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </section>
  );
}
