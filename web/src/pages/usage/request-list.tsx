import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { Answer } from '../../api/answer';
import { api, unwrap } from '../../api/client';
import { formatCredits, formatDate } from '../../ui/credits';
import { QueryState } from '../../ui/query-state';
import { rangeBounds, type TimeRange } from '../../ui/time-range';
import { recordFilters, type UsageFilters } from './usage-filters';

type UsageRecord = Answer<'/admin/v1/usage'>['data'][number];

const pageSize = 50;

function RecordDetails({ record }: { readonly record: UsageRecord }) {
  return (
    <tr className="details">
      <td colSpan={8}>
        <dl className="record">
          {Object.entries(record).map(([field, value]) => (
            <div key={field}>
              <dt>{field}</dt>
              <dd>{value === null ? '—' : String(value)}</dd>
            </div>
          ))}
        </dl>
        <Link to="/transparency" search={{ receipt: record.id }}>
          Verify this request's receipt
        </Link>
      </td>
    </tr>
  );
}

function RecordRow({ record }: { readonly record: UsageRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td>
          <button
            type="button"
            className="link"
            aria-expanded={open}
            aria-label={`Request ${record.id}`}
            onClick={() => setOpen(!open)}
          >
            {formatDate(record.createdAt)}
          </button>
        </td>
        <td>{record.organizationId}</td>
        <td>{record.modelId}</td>
        <td>{record.siteId === null ? '—' : `${record.siteId} (${record.jurisdiction})`}</td>
        <td>
          {record.status} {record.outcome === 'success' ? '' : (record.errorCode ?? record.outcome)}
        </td>
        <td className="number">{record.totalTokens.toLocaleString()}</td>
        <td className="number">
          {record.creditsChargedMicro === null ? '—' : formatCredits(record.creditsChargedMicro)}
        </td>
        <td className="number">{Math.round(record.totalMs)} ms</td>
      </tr>
      {open && <RecordDetails record={record} />}
    </>
  );
}

/** The requests themselves, newest first, a page at a time by the server's cursor. */
export function RequestList({
  filters,
  range,
  organizationId,
}: {
  readonly filters: UsageFilters;
  readonly range: TimeRange;
  readonly organizationId: string | undefined;
}) {
  const { from, to } = rangeBounds(range);
  const query = { ...recordFilters(filters, organizationId), since: from, until: to };
  const records = useInfiniteQuery({
    queryKey: ['usage', 'records', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/admin/v1/usage', {
          params: {
            query: {
              ...query,
              order: 'desc',
              totals: false,
              limit: pageSize,
              ...(pageParam ? { after: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (page) => (page.has_more ? (page.last_id ?? undefined) : undefined),
  });
  return (
    <section className="panel" aria-labelledby="requests-title">
      <h2 id="requests-title">Requests</h2>
      <QueryState query={records}>
        {(answer) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Finished</th>
                <th scope="col">Organization</th>
                <th scope="col">Model</th>
                <th scope="col">Site</th>
                <th scope="col">Status</th>
                <th scope="col" className="number">
                  Tokens
                </th>
                <th scope="col" className="number">
                  Credits
                </th>
                <th scope="col" className="number">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {answer.pages
                .flatMap((page) => page.data)
                .map((record) => (
                  <RecordRow key={record.id} record={record} />
                ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {records.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void records.fetchNextPage()}>
          {records.isFetchingNextPage ? 'Loading…' : `Show ${pageSize} more`}
        </button>
      )}
    </section>
  );
}
