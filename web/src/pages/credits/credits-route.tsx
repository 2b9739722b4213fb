import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';
import { organizationSearch } from '../../ui/organization-search';

export const creditsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/credits',
  validateSearch: organizationSearch,
  component: lazyRouteComponent(() => import('./credits-page'), 'CreditsPage'),
});
