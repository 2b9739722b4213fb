import type { Deployment } from '../catalog/index.js';
import type { Engine } from '../engines/index.js';
import type { DeploymentStats } from './deployment-stats.js';

/** A deployment ready to take traffic: its record, the engine that reaches it, and its statistics. */
export interface RoutedDeployment {
  readonly deployment: Deployment;
  readonly engine: Engine;
  readonly stats: DeploymentStats;
}
