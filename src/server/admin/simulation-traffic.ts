import { Type } from '@sinclair/typebox';
import type { Deployment } from '../../catalog/index.js';
import { toFigures, type UsageRollupReader } from '../../metering/index.js';
import type { PolicySimulation } from '../../policy/index.js';
import { Closed } from './response-schemas.js';

/** How many days of traffic a simulated change is weighed against. */
export const simulationTrafficDays = 7;

export const SimulationTrafficSchema = Closed(
  {
    days: Type.Integer(),
    requests: Type.Integer({ description: 'requests served in those days' }),
    refused: Type.Integer({ description: 'of them, requests the change would have refused' }),
    moved: Type.Integer({ description: 'of them, requests served at a site the change would no longer allow' }),
  },
  'the change weighed against the requests of the last days, from the usage rollups',
);

type Change = PolicySimulation['losing'][number];

/** The simulated change that governs requests of this project: its own entry, else its organization's. */
function entryFor(entries: ReadonlyMap<string, Change>, organizationId: string, projectId: string, modelId: string) {
  return entries.get(`${organizationId}/${projectId}/${modelId}`) ?? entries.get(`${organizationId}//${modelId}`);
}

const byKey = (changes: readonly Change[]) =>
  new Map(changes.map((c) => [`${c.organizationId}/${c.projectId ?? ''}/${c.modelId}`, c]));

/**
 * What a simulated change would have done to the last days' traffic: every request served
 * (from the hourly rollups, by organization, project, model and site) whose subject would
 * lose the model counts as refused; one served at a site none of whose deployments stays
 * allowed counts as moved. The simulation's own lists say which subjects and deployments.
 */
export async function simulationTraffic(
  simulation: PolicySimulation,
  rollups: UsageRollupReader,
  deployments: readonly Deployment[],
  nowMs: number,
) {
  const hourMs = 3_600_000;
  const to = Math.ceil(nowMs / hourMs) * hourMs;
  const range = {
    granularity: 'hour' as const,
    from: new Date(to - simulationTrafficDays * 24 * hourMs).toISOString(),
    to: new Date(to).toISOString(),
  };
  const groups = await rollups.groups(range, {}, ['organization', 'project', 'model', 'site'], { served: true });
  const losing = byKey(simulation.losing);
  const changed = byKey(simulation.changed);
  const siteOf = new Map(deployments.map((d) => [d.id, d.siteId]));
  let requests = 0;
  let refused = 0;
  let moved = 0;
  for (const group of groups) {
    const [organizationId, projectId, modelId, siteId] = group.keys.map(String) as [string, string, string, string];
    const count = toFigures(group).requests;
    requests += count;
    if (entryFor(losing, organizationId, projectId, modelId) !== undefined) refused += count;
    const change = entryFor(changed, organizationId, projectId, modelId);
    if (change !== undefined && !change.allowedAfter.some((id) => siteOf.get(id) === siteId)) moved += count;
  }
  return { days: simulationTrafficDays, requests, refused, moved };
}
