import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { rootRoute } from '../../app/root-route';
import { organizationSearch } from '../../ui/organization-search';

export const tenantsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants',
  validateSearch: organizationSearch,
  component: lazyRouteComponent(() => import('./tenants-page'), 'TenantsPage'),
});
