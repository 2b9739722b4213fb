import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';

export const transparencyRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/transparency',
  validateSearch: (search: Record<string, unknown>): { receipt?: string | undefined } => ({
    receipt: typeof search.receipt === 'string' && search.receipt !== '' ? search.receipt : undefined,
  }),
  component: lazyRouteComponent(() => import('./transparency-page'), 'TransparencyPage'),
});
