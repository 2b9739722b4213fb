import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PolicyChange } from './policy-change.js';
import type { PolicyDecision } from './policy-decision.js';
import type { PolicyEngine } from './policy-engine.js';
import type { PolicySnapshot } from './policy-snapshot.js';

/** One organization (or project with its own policy) and model whose service a change would alter. */
export interface ServiceChange {
  readonly organizationId: string;
  readonly projectId: string | null;
  readonly modelId: string;
  /** The deployments allowed now and after the change. */
  readonly allowedBefore: readonly string[];
  readonly allowedAfter: readonly string[];
}

/** What a proposed change would do to who is served what, before it is saved. */
export interface PolicySimulation {
  readonly object: 'policy_simulation';
  /** The version the simulation started from; saving makes the next one. */
  readonly policyVersion: number;
  /** Subjects × models evaluated. */
  readonly evaluated: number;
  /** Refused (403) now, served after. */
  readonly gaining: readonly ServiceChange[];
  /** Served now, refused after. */
  readonly losing: readonly ServiceChange[];
  /** Served before and after, by a different set of deployments. */
  readonly changed: readonly ServiceChange[];
  readonly counts: { readonly gaining: number; readonly losing: number; readonly changed: number };
  /** True when a list holds only its first `simulationEntriesMax` entries; `counts` are always whole. */
  readonly truncated: boolean;
}

export const simulationEntriesMax = 1_000;

/**
 * Evaluations between two yields to the event loop: a simulation over every organization
 * × model takes seconds of CPU, and the gateway's requests share the thread with it.
 */
const evaluationsPerSlice = 2_000;

interface Subject {
  readonly organizationId: string;
  readonly projectId: string | null;
}

/** Who a change can affect: one organization and its projects, one project, or everyone. */
function subjectsOf(change: PolicyChange, current: PolicySnapshot, proposed: PolicySnapshot): readonly Subject[] {
  const withProjects = (organizationId: string): Subject[] => {
    const projects = new Set([
      ...current.projectsWithPolicies(organizationId),
      ...proposed.projectsWithPolicies(organizationId),
    ]);
    return [
      { organizationId, projectId: null },
      ...Array.from(projects, (projectId) => ({ organizationId, projectId })),
    ];
  };
  if (change.kind === 'organization_policy') return withProjects(change.organizationId);
  if (change.kind === 'project_policy') return [{ organizationId: change.organizationId, projectId: change.projectId }];
  return Array.from(current.organizations.keys()).flatMap(withProjects);
}

function allowedIds(decision: PolicyDecision): string[] {
  return decision.verdicts.filter((v) => v.allowed).map((v) => v.deploymentId);
}

/**
 * Evaluates every affected subject and model under the current and the proposed
 * snapshot and reports the differences. Costs two evaluations per subject × model; it
 * runs for the management API, in slices, so that requests keep flowing meanwhile.
 */
export async function simulatePolicyChange(
  engine: PolicyEngine,
  change: PolicyChange,
  current: PolicySnapshot,
  proposed: PolicySnapshot,
): Promise<PolicySimulation> {
  const lists = { gaining: [] as ServiceChange[], losing: [] as ServiceChange[], changed: [] as ServiceChange[] };
  const counts = { gaining: 0, losing: 0, changed: 0 };
  let evaluated = 0;
  for (const subject of subjectsOf(change, current, proposed)) {
    for (const model of Array.from(engine.models())) {
      evaluated += 1;
      if (evaluated % evaluationsPerSlice === 0) await yieldToEventLoop();
      const before = engine.evaluate(current, subject.organizationId, subject.projectId, model.id);
      const after = engine.evaluate(proposed, subject.organizationId, subject.projectId, model.id);
      const allowedBefore = allowedIds(before);
      const allowedAfter = allowedIds(after);
      let kind: keyof typeof counts | undefined;
      if (before.denied && !after.denied) kind = 'gaining';
      else if (!before.denied && after.denied) kind = 'losing';
      else if (allowedBefore.join('\n') !== allowedAfter.join('\n')) kind = 'changed';
      if (kind === undefined) continue;
      counts[kind] += 1;
      if (lists[kind].length < simulationEntriesMax)
        lists[kind].push({ ...subject, modelId: model.id, allowedBefore, allowedAfter });
    }
  }
  const truncated = Object.values(counts).some((count) => count > simulationEntriesMax);
  return { object: 'policy_simulation', policyVersion: current.version, evaluated, ...lists, counts, truncated };
}
