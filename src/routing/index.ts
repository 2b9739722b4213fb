export { Balancer } from './balancer.js';
export { circuitBreakerDefaults } from './circuit-breaker.js';
export { type DeploymentLoadProblem, DeploymentRegistry } from './deployment-registry.js';
export { DeploymentStats, type DeploymentStatsOptions, deploymentStatsDefaults } from './deployment-stats.js';
export { HealthChecker } from './health-checker.js';
export { type AttemptOutcome, RetryPolicy, retryPolicyDefaults } from './retry-policy.js';
export type { RoutedDeployment } from './routed-deployment.js';
