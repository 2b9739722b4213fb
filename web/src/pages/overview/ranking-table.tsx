import { formatCredits } from '../../ui/credits';
import { errorRate, type Figures, milliseconds } from '../../ui/figures';

/** The top items of one dimension (models, organizations, sites) with what they used. */
export function RankingTable({
  caption,
  rows,
}: {
  readonly caption: string;
  readonly rows: readonly (Figures & { readonly id: string })[];
}) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" className="number">
            Requests
          </th>
          <th scope="col" className="number">
            Errors
          </th>
          <th scope="col" className="number">
            Credits
          </th>
          <th scope="col" className="number">
            p99 latency
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={5}>No requests in this period.</td>
          </tr>
        )}
        {rows.map((row) => (
          <tr key={row.id}>
            <td>{row.id}</td>
            <td className="number">{row.requests.toLocaleString()}</td>
            <td className="number">{errorRate(row)}</td>
            <td className="number">{formatCredits(row.creditsChargedMicro)}</td>
            <td className="number">{milliseconds(row.latencyP99Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
