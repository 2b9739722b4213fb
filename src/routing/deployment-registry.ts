import type { DeploymentWithSecret } from '../catalog/index.js';
import type { Engine } from '../engines/index.js';
import { type Clock, monotonicClock } from './clock.js';
import { DeploymentStats, type DeploymentStatsOptions } from './deployment-stats.js';
import type { RoutedDeployment } from './routed-deployment.js';

export type EngineFactory = (item: DeploymentWithSecret) => Engine;

/** A deployment left out of the routing table because its engine could not be built. */
export interface DeploymentLoadProblem {
  readonly deploymentId: string;
  readonly error: unknown;
}

interface Entry {
  readonly routed: RoutedDeployment;
  readonly source: DeploymentWithSecret;
}

const none: readonly RoutedDeployment[] = Object.freeze([]);

function sameConnection(a: DeploymentWithSecret, b: DeploymentWithSecret): boolean {
  return (
    a.deployment.kind === b.deployment.kind &&
    a.deployment.baseUrl === b.deployment.baseUrl &&
    a.upstreamApiKey === b.upstreamApiKey &&
    // An embedded engine holds a loaded model: a new file or new options need a new engine.
    a.deployment.source === b.deployment.source &&
    JSON.stringify(a.deployment.engineOptions) === JSON.stringify(b.deployment.engineOptions)
  );
}

/**
 * The routing table the hot path reads: every deployment with its engine and
 * statistics, by id and by model. It is rebuilt whole from the catalog whenever the
 * catalog changes. A deployment whose connection is unchanged keeps its engine, warm
 * connections and statistics; a replaced or removed engine finishes its calls in
 * flight before it closes.
 */
export class DeploymentRegistry {
  readonly #createEngine: EngineFactory;
  readonly #statsOptions: DeploymentStatsOptions;
  readonly #clock: Clock;
  #byId = new Map<string, Entry>();
  #byModel = new Map<string, readonly RoutedDeployment[]>();
  #all: readonly RoutedDeployment[] = none;
  readonly #closing = new Set<Promise<void>>();

  constructor(createEngine: EngineFactory, statsOptions: DeploymentStatsOptions, clock: Clock = monotonicClock) {
    this.#createEngine = createEngine;
    this.#statsOptions = statsOptions;
    this.#clock = clock;
  }

  /** Replaces the table with these deployments; returns the ones that could not be loaded. */
  load(items: readonly DeploymentWithSecret[]): readonly DeploymentLoadProblem[] {
    const problems: DeploymentLoadProblem[] = [];
    const byId = new Map<string, Entry>();
    for (const item of items) {
      const entry = this.#entryFor(item, problems);
      if (entry !== undefined) byId.set(item.deployment.id, entry);
    }
    for (const [id, old] of this.#byId) {
      if (byId.get(id)?.routed.engine !== old.routed.engine) this.#retire(old.routed.engine);
    }
    const byModel = new Map<string, RoutedDeployment[]>();
    for (const { routed } of byId.values()) {
      const list = byModel.get(routed.deployment.modelId);
      if (list === undefined) byModel.set(routed.deployment.modelId, [routed]);
      else list.push(routed);
    }
    this.#byId = byId;
    this.#byModel = byModel;
    this.#all = Object.freeze(Array.from(byId.values(), (entry) => entry.routed));
    return problems;
  }

  get(deploymentId: string): RoutedDeployment | undefined {
    return this.#byId.get(deploymentId)?.routed;
  }

  /** The deployments of a model, disabled ones included: the balancer skips those. */
  forModel(modelId: string): readonly RoutedDeployment[] {
    return this.#byModel.get(modelId) ?? none;
  }

  all(): readonly RoutedDeployment[] {
    return this.#all;
  }

  /** Empties the table and resolves once every engine has closed. */
  async close(): Promise<void> {
    this.load([]);
    await Promise.all(this.#closing);
  }

  #entryFor(item: DeploymentWithSecret, problems: DeploymentLoadProblem[]): Entry | undefined {
    const old = this.#byId.get(item.deployment.id);
    if (old !== undefined && sameConnection(old.source, item)) {
      return {
        source: item,
        routed: { deployment: item.deployment, engine: old.routed.engine, stats: old.routed.stats },
      };
    }
    try {
      const engine = this.#createEngine(item);
      return {
        source: item,
        routed: { deployment: item.deployment, engine, stats: new DeploymentStats(this.#statsOptions, this.#clock) },
      };
    } catch (error) {
      problems.push({ deploymentId: item.deployment.id, error });
      return undefined;
    }
  }

  #retire(engine: Engine): void {
    // Closing waits for streams in flight, which may last minutes; the table moves on.
    // It fails only for an engine already destroyed, which is as closed as it gets.
    const closing = engine.close().catch(() => undefined);
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
  }
}
