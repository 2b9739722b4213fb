export { Balancer } from './balancer.js';
export type { CircuitBreakerOptions } from './circuit-breaker.js';
export { type DeploymentLoadProblem, DeploymentRegistry } from './deployment-registry.js';
export { DeploymentStats, type DeploymentStatsOptions } from './deployment-stats.js';
export { HealthChecker, type HealthCheckerOptions } from './health-checker.js';
export { type AttemptOutcome, RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
export type { RoutedDeployment } from './routed-deployment.js';
