import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';

export const sitesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sites',
  component: lazyRouteComponent(() => import('./sites-page'), 'SitesPage'),
});
