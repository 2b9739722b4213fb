export { Balancer, type BalancerCandidate } from './balancer.js';
export { CircuitBreaker, type CircuitBreakerOptions, circuitBreakerDefaults, type CircuitState } from './circuit-breaker.js';
export { type Clock, monotonicClock } from './clock.js';
export { type DeploymentLoadProblem, DeploymentRegistry, type EngineFactory } from './deployment-registry.js';
export { DeploymentStats, type DeploymentStatsOptions, deploymentStatsDefaults } from './deployment-stats.js';
export {
  HealthChecker,
  type HealthCheckerOptions,
  healthCheckerDefaults,
  type HealthCheckListener,
  type HealthCheckTarget,
} from './health-checker.js';
export { type AttemptOutcome, RetryPolicy, type RetryPolicyOptions, retryPolicyDefaults } from './retry-policy.js';
export type { RoutedDeployment } from './routed-deployment.js';
