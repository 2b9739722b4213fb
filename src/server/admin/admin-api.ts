import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './admin-deps.js';
import { authenticateAdmin } from './admin-principal.js';
import { apiKeyRoutes } from './api-key-routes.js';
import { consoleRoutes } from './console-routes.js';
import { creditRoutes } from './credit-routes.js';
import { applicationRoutes } from './application-routes.js';
import { deploymentRoutes } from './deployment-routes.js';
import { demoModelRoutes } from './demo-model-routes.js';
import { deploymentStatusRoutes } from './deployment-status-routes.js';
import { fundRoutes } from './fund-routes.js';
import { jurisdictionGroupRoutes } from './jurisdiction-group-routes.js';
import { ledgerRoutes } from './ledger-routes.js';
import { limitRoutes } from './limit-routes.js';
import { modelPullRoutes } from './model-pull-routes.js';
import { modelRoutes } from './model-routes.js';
import { organizationRoutes } from './organization-routes.js';
import { policyExplainRoutes } from './policy-explain-routes.js';
import { policyRoutes } from './policy-routes.js';
import { projectRoutes } from './project-routes.js';
import { receiptRoutes } from './receipt-routes.js';
import { ruleRoutes } from './rule-routes.js';
import { sessionRoutes } from './session-routes.js';
import { siteRoutes } from './site-routes.js';
import { usageRoutes } from './usage-routes.js';

export const adminPrefix = '/admin/v1';

/**
 * The management API under /admin/v1. Authentication runs on every route before the
 * body is read, so a caller without a valid token learns nothing, not even whether
 * its body would have been valid.
 */
export async function adminApi(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    request.principal = await authenticateAdmin(request, deps.adminTokenHash, deps.apiKeys);
  });
  sessionRoutes(app);
  organizationRoutes(app, deps);
  projectRoutes(app, deps);
  apiKeyRoutes(app, deps);
  modelRoutes(app, deps);
  modelPullRoutes(app, deps);
  demoModelRoutes(app, deps);
  siteRoutes(app, deps);
  deploymentRoutes(app, deps);
  deploymentStatusRoutes(app, deps);
  usageRoutes(app, deps);
  receiptRoutes(app, deps);
  consoleRoutes(app, deps);
  creditRoutes(app, deps);
  limitRoutes(app, deps);
  fundRoutes(app, deps);
  applicationRoutes(app, deps);
  ledgerRoutes(app, deps);
  policyRoutes(app, deps);
  policyExplainRoutes(app, deps);
  ruleRoutes(app, deps);
  jurisdictionGroupRoutes(app, deps);
}
