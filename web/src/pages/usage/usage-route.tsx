import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';
import { readUsageFilters } from './usage-filters';

export const usageRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/usage',
  validateSearch: readUsageFilters,
  component: lazyRouteComponent(() => import('./usage-page'), 'UsagePage'),
});
