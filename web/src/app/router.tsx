import { createRouter } from '@tanstack/react-router';
import { creditsRoute } from '../pages/credits/credits-route';
import { mapRoute } from '../pages/map/map-route';
import { overviewRoute } from '../pages/overview/overview-route';
import { policiesRoute } from '../pages/policies/policies-route';
import { signInRoute } from '../pages/sign-in/sign-in-route';
import { sitesRoute } from '../pages/sites/sites-route';
import { tenantsRoute } from '../pages/tenants/tenants-route';
import { transparencyRoute } from '../pages/transparency/transparency-route';
import { usageRoute } from '../pages/usage/usage-route';
import { rootRoute } from './root-route';

const routeTree = rootRoute.addChildren([
  overviewRoute,
  signInRoute,
  mapRoute,
  sitesRoute,
  policiesRoute,
  tenantsRoute,
  usageRoute,
  creditsRoute,
  transparencyRoute,
]);

export const router = createRouter({ routeTree, basepath: '/console' });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
