import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { Answer } from '../../api/answer';
import { api, apiError, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/admin-api';
import { formatCredits } from '../../ui/credits';
import { errorRate, milliseconds } from '../../ui/figures';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { TimeSeriesChart } from '../../ui/time-series-chart';
import { rangeBounds, type TimeRange } from '../../ui/time-range';
import { recordFilters, type UsageFilters } from './usage-filters';

type Series = Answer<'/admin/v1/usage/series'>;

const palette = ['#0b5fad', '#b3261e', '#1f7a3a', '#9a6400', '#6a3d9a', '#008b8b', '#c2185b', '#5d4037', '#455a64'];
const groupName = (key: string | number | null) => (key === null ? 'all others' : String(key));

function SeriesChart({ series }: { readonly series: Series }) {
  const { times, lines, span } = useMemo(() => {
    const buckets = [...new Set(series.points.map((p) => p.bucketStart))].sort();
    const index = new Map(buckets.map((bucket, i) => [bucket, i]));
    const keys = series.groups.map((g) => g.key);
    const lines = keys.map((key, i) => {
      const values: (number | null)[] = buckets.map(() => 0);
      for (const point of series.points) if (point.key === key) values[index.get(point.bucketStart)!] = point.requests;
      return { label: groupName(key), values, color: palette[i % palette.length]! };
    });
    const span = [Date.parse(series.from) / 1000, Date.parse(series.to) / 1000] as const;
    return { times: buckets.map((b) => Date.parse(b) / 1000), lines, span };
  }, [series]);
  if (times.length === 0) return <p>No requests match in this period.</p>;
  return <TimeSeriesChart title="Requests per bucket, by group" times={times} series={lines} span={span} />;
}

type ExportQuery = paths['/admin/v1/usage/export.csv']['get']['parameters']['query'];

async function downloadCsv(query: ExportQuery): Promise<void> {
  const { data, error, response } = await api.GET('/admin/v1/usage/export.csv', {
    params: { query },
    parseAs: 'blob',
  });
  if (data === undefined) throw apiError(response.status, error);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(data);
  link.download = 'commonweal-usage.csv';
  link.click();
  URL.revokeObjectURL(link.href);
}

/** Requests over time by the chosen group, a table of the groups, and the same figures as CSV. */
export function UsageSeries({
  filters,
  range,
  organizationId,
}: {
  readonly filters: UsageFilters;
  readonly range: TimeRange;
  readonly organizationId: string | undefined;
}) {
  const query = {
    ...rangeBounds(range),
    ...recordFilters(filters, organizationId),
    ...(filters.groupBy === undefined ? {} : { groupBy: filters.groupBy }),
    groups: 8,
  };
  const series = useQuery({
    queryKey: ['usage', 'series', query],
    queryFn: () => unwrap(api.GET('/admin/v1/usage/series', { params: { query } })),
  });
  const [exportError, setExportError] = useState<unknown>();
  return (
    <section className="panel" aria-labelledby="series-title">
      <h2 id="series-title">Requests over time</h2>
      <QueryState query={series}>
        {(answer) => (
          <>
            <SeriesChart series={answer} />
            <table>
              <caption>By {answer.groupBy ?? 'nothing: all requests together'}</caption>
              <thead>
                <tr>
                  <th scope="col">{answer.groupBy ?? 'Group'}</th>
                  <th scope="col" className="number">
                    Requests
                  </th>
                  <th scope="col" className="number">
                    Tokens in / out
                  </th>
                  <th scope="col" className="number">
                    Credits
                  </th>
                  <th scope="col" className="number">
                    Errors
                  </th>
                  <th scope="col" className="number">
                    p50 / p99 latency
                  </th>
                </tr>
              </thead>
              <tbody>
                {answer.groups.map((group) => (
                  <tr key={String(group.key)}>
                    <td>{groupName(group.key)}</td>
                    <td className="number">{group.requests.toLocaleString()}</td>
                    <td className="number">
                      {group.promptTokens.toLocaleString()} / {group.completionTokens.toLocaleString()}
                    </td>
                    <td className="number">{formatCredits(group.creditsChargedMicro)}</td>
                    <td className="number">{errorRate(group)}</td>
                    <td className="number">
                      {milliseconds(group.latencyP50Ms)} / {milliseconds(group.latencyP99Ms)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>
      <button type="button" className="secondary" onClick={() => downloadCsv(query).catch(setExportError)}>
        Export CSV
      </button>
      {exportError !== undefined && <ErrorMessage error={exportError} />}
    </section>
  );
}
