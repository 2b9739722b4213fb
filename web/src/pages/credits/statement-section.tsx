import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, jsonOnly, unwrap } from '../../api/client';
import { formatCredits, formatDate } from '../../ui/credits';
import { QueryState } from '../../ui/query-state';

const daysBack = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

/** Every transfer of the organization in a period, with the running balance after each. */
export function StatementSection({ orgId }: { readonly orgId: string }) {
  const [since, setSince] = useState(daysBack(30));
  const statement = useQuery({
    queryKey: ['orgs', orgId, 'statement', since],
    queryFn: async () =>
      jsonOnly(
        await unwrap(
          api.GET('/admin/v1/orgs/{orgId}/statement', {
            params: { path: { orgId }, query: { since, format: 'json' } },
          }),
        ),
      ),
  });
  return (
    <section className="panel" aria-labelledby="statement-title">
      <h2 id="statement-title">Statement</h2>
      <label htmlFor="statement-since">Since (UTC date)</label>
      <input id="statement-since" type="date" value={since} onChange={(e) => setSince(e.target.value)} />
      <QueryState query={statement}>
        {(answer) => (
          <>
            <p>
              Opening balance {formatCredits(answer.openingBalanceMicro)}, closing balance{' '}
              {formatCredits(answer.closingBalanceMicro)} credits; written off by the platform{' '}
              {formatCredits(answer.writtenOffMicro)}.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Model</th>
                  <th scope="col" className="number">
                    Amount
                  </th>
                  <th scope="col" className="number">
                    Balance after
                  </th>
                </tr>
              </thead>
              <tbody>
                {answer.lines.slice(-200).map((line) => (
                  <tr key={`${line.transferId}:${line.accountId}`}>
                    <td>{formatDate(line.createdAt)}</td>
                    <td>{line.memo ?? line.code}</td>
                    <td>{line.modelId ?? '—'}</td>
                    <td className="number">{formatCredits(line.amountMicro)}</td>
                    <td className="number">{formatCredits(line.balanceMicro)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>
    </section>
  );
}
