import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';
import { isTimeRange, type TimeRange } from '../../ui/time-range';

export const mapRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/map',
  validateSearch: (search: Record<string, unknown>): { org?: string | undefined; range?: TimeRange | undefined } => ({
    org: typeof search.org === 'string' && search.org !== '' ? search.org : undefined,
    range: isTimeRange(search.range) ? search.range : undefined,
  }),
  component: lazyRouteComponent(() => import('./map-page'), 'MapPage'),
});
