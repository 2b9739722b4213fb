import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useMemo } from 'react';
import type { Answer } from '../../api/answer';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session-context';
import { formatCredits } from '../../ui/credits';
import { errorRate, milliseconds, tokens } from '../../ui/figures';
import { QueryState } from '../../ui/query-state';
import { TimeSeriesChart } from '../../ui/time-series-chart';
import { rangeBounds } from '../../ui/time-range';
import { TimeRangePicker } from '../../ui/time-range-picker';
import { overviewRoute } from './overview-route';
import { RankingTable } from './ranking-table';

type Overview = Answer<'/admin/v1/console/overview'>;

function Charts({ overview }: { readonly overview: Overview }) {
  const { times, volume, latency, span } = useMemo(() => {
    const points = overview.series;
    return {
      span: [Date.parse(overview.from) / 1000, Date.parse(overview.to) / 1000] as const,
      times: points.map((p) => Date.parse(p.bucketStart) / 1000),
      volume: [
        { label: 'requests', values: points.map((p) => p.requests), color: '#0b5fad' },
        { label: 'errors', values: points.map((p) => p.errors), color: '#b3261e' },
      ],
      latency: [
        { label: 'p50 latency (ms)', values: points.map((p) => p.latencyP50Ms), color: '#0b5fad' },
        { label: 'p99 latency (ms)', values: points.map((p) => p.latencyP99Ms), color: '#9a6400' },
        { label: 'p50 first token (ms)', values: points.map((p) => p.firstByteP50Ms), color: '#1f7a3a' },
      ],
    };
  }, [overview]);
  if (times.length === 0) return <p>No requests in this period yet.</p>;
  return (
    <div className="grid charts">
      <TimeSeriesChart title="Requests and errors per bucket" times={times} series={volume} span={span} />
      <TimeSeriesChart title="Latency and time to first token per bucket" times={times} series={latency} span={span} />
    </div>
  );
}

function Totals({ overview }: { readonly overview: Overview }) {
  const { totals } = overview;
  const stats = [
    ['Requests', totals.requests.toLocaleString()],
    ['Tokens', tokens(totals)],
    ['Credits spent', formatCredits(totals.creditsChargedMicro)],
    ['Error rate', errorRate(totals)],
    ['Latency p50 / p99', `${milliseconds(totals.latencyP50Ms)} / ${milliseconds(totals.latencyP99Ms)}`],
    ['First token p50 / p99', `${milliseconds(totals.firstByteP50Ms)} / ${milliseconds(totals.firstByteP99Ms)}`],
  ];
  return (
    <div className="grid">
      {stats.map(([label, value]) => (
        <div className="stat" key={label}>
          <div>{label}</div>
          <div className="value" data-testid={`stat-${label}`}>
            {value}
          </div>
        </div>
      ))}
    </div>
  );
}

function Denials({ overview }: { readonly overview: Overview }) {
  if (overview.denials.length === 0) return <p>No request was refused in this period.</p>;
  return (
    <table>
      <caption>Requests refused, by reason</caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col">Kind</th>
          <th scope="col" className="number">
            Requests
          </th>
        </tr>
      </thead>
      <tbody>
        {overview.denials.map((denial) => (
          <tr key={`${denial.kind}:${denial.reason}`}>
            <td>{denial.reason}</td>
            <td>{denial.kind}</td>
            <td className="number">{denial.requests.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Requests, tokens, credits, errors and latency over a period, from the rollups; the top models, tenants and sites. */
export function OverviewPage() {
  const { session } = useSession();
  const search = overviewRoute.useSearch();
  const range = search.range ?? '24h';
  const org = search.org;
  const navigate = useNavigate({ from: overviewRoute.fullPath });
  const organizationId = session?.principal.kind === 'org_admin' ? session.principal.organizationId : org;
  const bounds = rangeBounds(range);
  const overview = useQuery({
    queryKey: ['console', 'overview', range, organizationId],
    queryFn: () =>
      unwrap(
        api.GET('/admin/v1/console/overview', {
          params: { query: { ...bounds, ...(organizationId === undefined ? {} : { organizationId }) } },
        }),
      ),
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
      <TimeRangePicker value={range} onChange={(next) => void navigate({ search: (s) => ({ ...s, range: next }) })} />
      <QueryState query={overview}>
        {(answer) => (
          <>
            <Totals overview={answer} />
            <section className="panel" aria-label="Over time">
              <Charts overview={answer} />
            </section>
            <div className="rankings">
              <RankingTable caption="Top models" rows={answer.topModels} />
              {session?.principal.kind === 'operator' && (
                <RankingTable caption="Top organizations" rows={answer.topOrganizations} />
              )}
              <RankingTable caption="Top sites" rows={answer.topSites} />
            </div>
            <section className="panel" aria-label="Refusals">
              <Denials overview={answer} />
            </section>
          </>
        )}
      </QueryState>
    </section>
  );
}
