import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';

export const creditsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/credits',
  component: lazyRouteComponent(() => import('./credits-page'), 'CreditsPage'),
});
