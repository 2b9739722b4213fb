import type { Site } from '../catalog/index.js';
import type { RoutedDeployment } from '../routing/index.js';
import type { InferenceRequest } from './inference-request.js';

/**
 * What the settlement steps of a finished request (its charge, its receipt) know beyond
 * its usage record. The deployment and its site are the ones the request was routed to,
 * taken when it ended: a catalog reload while the record waits for its transaction must
 * not give the receipt another site's accelerators.
 */
export interface Settlement {
  readonly request: InferenceRequest;
  /** Null when no deployment was reached. */
  readonly routed: RoutedDeployment | null;
  readonly site: Site | undefined;
}
