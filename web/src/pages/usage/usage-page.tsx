import { useNavigate } from '@tanstack/react-router';
import { useSession } from '../../session/session-context';
import { TimeRangePicker } from '../../ui/time-range-picker';
import { FilterForm } from './filter-form';
import { RequestList } from './request-list';
import { usageRoute } from './usage-route';
import { UsageSeries } from './usage-series';

/** Usage by any dimension over a period, from the rollups, and the requests themselves, paged by cursor. */
export function UsagePage() {
  const { session } = useSession();
  const filters = usageRoute.useSearch();
  const navigate = useNavigate({ from: usageRoute.fullPath });
  const range = filters.range ?? '24h';
  const organizationId =
    session?.principal.kind === 'org_admin' ? session.principal.organizationId : filters.organizationId;
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Usage and requests</h1>
      <TimeRangePicker value={range} onChange={(next) => void navigate({ search: (s) => ({ ...s, range: next }) })} />
      <FilterForm key={JSON.stringify(filters)} filters={filters} onApply={(next) => void navigate({ search: next })} />
      <UsageSeries filters={filters} range={range} organizationId={organizationId} />
      <RequestList filters={filters} range={range} organizationId={organizationId} />
    </section>
  );
}
