import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { QueryState } from '../../ui/query-state';
import { TimeSeriesChart } from '../../ui/time-series-chart';
import { type CheckpointSummary, fetchCheckpointHistory } from './log-api';

const shownMax = 200;

function HistoryChart({ checkpoints }: { readonly checkpoints: readonly CheckpointSummary[] }) {
  const { times, series } = useMemo(() => {
    const oldestFirst = [...checkpoints].reverse();
    return {
      times: oldestFirst.map((c) => Date.parse(c.createdAt) / 1000),
      series: [{ label: 'leaves', values: oldestFirst.map((c) => c.treeSize), color: '#0b5fad' }],
    };
  }, [checkpoints]);
  return <TimeSeriesChart title="Size of the log at each signed checkpoint, over time" times={times} series={series} />;
}

/** How the log grew: each signed checkpoint's size and root, newest first. */
export function CheckpointHistory() {
  const query = useQuery({
    queryKey: ['log', 'checkpoints', shownMax],
    queryFn: () => fetchCheckpointHistory(shownMax),
  });
  return (
    <section className="panel" aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title">Checkpoints over time</h2>
      <QueryState query={query}>
        {(page) =>
          page.data.length === 0 ? (
            <p>No checkpoint has been signed yet.</p>
          ) : (
            <>
              <HistoryChart checkpoints={page.data} />
              <table>
                <caption>The {page.data.length} most recent signed checkpoints</caption>
                <thead>
                  <tr>
                    <th scope="col">Signed at</th>
                    <th scope="col" className="number">
                      Leaves
                    </th>
                    <th scope="col">Root hash (base64)</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.slice(0, 10).map((checkpoint) => (
                    <tr key={checkpoint.treeSize}>
                      <td>{new Date(checkpoint.createdAt).toLocaleString()}</td>
                      <td className="number">{checkpoint.treeSize.toLocaleString()}</td>
                      <td>
                        <code>{checkpoint.rootHash}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </QueryState>
    </section>
  );
}
