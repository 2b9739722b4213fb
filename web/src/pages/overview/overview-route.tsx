import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';
import { isTimeRange, type TimeRange } from '../../ui/time-range';

export const overviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  validateSearch: (search: Record<string, unknown>): { range?: TimeRange | undefined; org?: string | undefined } => ({
    range: isTimeRange(search.range) ? search.range : undefined,
    org: typeof search.org === 'string' && search.org !== '' ? search.org : undefined,
  }),
  component: lazyRouteComponent(() => import('./overview-page'), 'OverviewPage'),
});
