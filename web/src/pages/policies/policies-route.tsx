import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';
import { organizationSearch } from '../../ui/organization-search';

export const policiesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/policies',
  validateSearch: organizationSearch,
  component: lazyRouteComponent(() => import('./policies-page'), 'PoliciesPage'),
});
