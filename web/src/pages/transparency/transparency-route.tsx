import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';

export const transparencyRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/transparency',
  component: lazyRouteComponent(() => import('./transparency-page'), 'TransparencyPage'),
});
