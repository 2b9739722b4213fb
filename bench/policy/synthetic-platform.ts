import {
  type DeploymentFacts,
  type JurisdictionGroup,
  type ModelFacts,
  type OrganizationFacts,
  type PolicyRule,
  type PolicyState,
  type ResidencyPolicy,
  type RuleMatch,
  type SiteFacts,
  type StoredPolicy,
  toResidencyPolicy,
} from '../../src/policy/index.js';

/** The sizes the issue asks for, and the extras a realistic platform has around them. */
export interface PlatformSize {
  readonly organizations: number;
  readonly models: number;
  readonly deployments: number;
  readonly rules: number;
  readonly sites: number;
  readonly customGroups: number;
  /** Projects with a policy of their own (narrowing their organization's). */
  readonly projectPolicies: number;
}

export interface SyntheticPlatform {
  readonly state: PolicyState;
  readonly organizations: readonly OrganizationFacts[];
  readonly models: readonly ModelFacts[];
  readonly sites: readonly SiteFacts[];
  readonly deployments: readonly DeploymentFacts[];
  /** `[organization, project]` pairs whose project has its own policy. */
  readonly projects: readonly (readonly [string, string])[];
}

const countries =
  'DE FR IT ES NL BE PL SE FI DK AT IE PT CZ NO IS CH GB US CA JP KR SG IN BR ZA NG KE AE SA CN VN ID AU'.split(' ');
const builtIn = ['EU', 'EEA', 'EFTA', 'G7', 'FIVE_EYES', 'ASEAN', 'AFRICAN_UNION', 'GCC'];
const accelerators = [
  { vendor: 'nvidia', type: 'H100' },
  { vendor: 'nvidia', type: 'H200' },
  { vendor: 'nvidia', type: 'H20' },
  { vendor: 'amd', type: 'MI300X' },
  { vendor: 'huawei', type: 'Ascend 910B' },
  { vendor: 'cpu', type: 'EPYC 9654' },
];
const licenses = ['Apache-2.0', 'MIT', 'Llama-3.1', 'Gemma', null];
const origins = ['Lab A', 'Lab B', 'Lab C', 'Lab D', null];
const tagPool = ['chat', 'code', 'vision', 'frontier', 'small', 'embedding'];
const at = '2026-01-01T00:00:00.000Z';

/** mulberry32: the same platform on every run, so that runs compare. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Draw {
  readonly random: () => number;
  pick<T>(values: readonly T[]): T;
  some<T>(values: readonly T[], count: number): T[];
}

function draw(seed: number): Draw {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  return {
    random,
    pick,
    some: (values, count) => Array.from(new Set(Array.from({ length: count }, () => pick(values)))),
  };
}

function catalog(size: PlatformSize, d: Draw) {
  const sites: SiteFacts[] = Array.from({ length: size.sites }, (_, i) => ({
    id: `site-${i}`,
    jurisdiction: d.pick(countries),
    accelerators: d.some(accelerators, 1 + Math.floor(d.random() * 2)),
  }));
  const models: ModelFacts[] = Array.from({ length: size.models }, (_, i) => ({
    id: `model-${i}`,
    family: `family-${i % 20}`,
    origin: d.pick(origins),
    license: d.pick(licenses),
    tags: d.some(tagPool, 1 + Math.floor(d.random() * 3)),
  }));
  const deployments: DeploymentFacts[] = Array.from({ length: size.deployments }, (_, i) => ({
    id: `deployment-${i}`,
    modelId: models[i % models.length]!.id,
    siteId: d.pick(sites).id,
    enabled: d.random() > 0.05,
  }));
  return { sites, models, deployments };
}

function customGroups(size: PlatformSize, d: Draw): JurisdictionGroup[] {
  return Array.from({ length: size.customGroups }, (_, i) => {
    // Every fifth group nests an earlier one, so that expansion has depth to walk.
    const members =
      i >= 5 && i % 5 === 0 ? [`GROUP_${i - 5}`, ...d.some(countries, 3)] : d.some([...countries, ...builtIn], 4);
    return {
      object: 'jurisdiction_group',
      id: `GROUP_${i}`,
      name: `Group ${i}`,
      members,
      builtIn: false,
      createdAt: at,
      updatedAt: at,
    };
  });
}

const stored = (policy: Partial<ResidencyPolicy>): StoredPolicy => ({
  policy: toResidencyPolicy(policy),
  version: 1,
  updatedAt: at,
});

/** A mix of tenants: 30% on the open default, the rest EU-like, home-only, with denials, or with license and chip demands. */
function organizationPolicies(
  organizations: readonly OrganizationFacts[],
  groups: readonly JurisdictionGroup[],
  codes: readonly string[],
  d: Draw,
) {
  const policies = new Map<string, StoredPolicy>();
  for (const organization of organizations) {
    const kind = d.random();
    if (kind < 0.3) continue;
    let policy: Partial<ResidencyPolicy>;
    if (kind < 0.6)
      policy = {
        allowedJurisdictions: [d.pick(['EU', 'EEA', 'G7', 'FIVE_EYES', ...groups.slice(0, 5).map((g) => g.id)])],
      };
    else if (kind < 0.8) policy = { allowedJurisdictions: [organization.homeJurisdiction] };
    else if (kind < 0.9)
      policy = { deniedJurisdictions: d.some(codes, 2), denyAccelerators: [{ vendor: d.pick(accelerators).vendor }] };
    else
      policy = {
        allowedModelLicenses: ['Apache-2.0', 'MIT'],
        requireAccelerators: [{ vendor: 'nvidia' }, { vendor: 'amd' }],
      };
    policies.set(organization.id, stored(policy));
  }
  return policies;
}

/**
 * Real rules are narrow (this chip to that jurisdiction, that model to those tenants): a
 * jurisdiction and two more criteria, each listing a value or two.
 */
function rules(size: PlatformSize, models: readonly ModelFacts[], d: Draw): PolicyRule[] {
  const poolOf = (criterion: string): readonly string[] => {
    if (criterion === 'acceleratorTypes') return accelerators.map((a) => a.type);
    if (criterion === 'modelTags') return tagPool;
    if (criterion === 'modelIds') return models.map((m) => m.id);
    if (criterion === 'modelOrigins') return origins.filter((o): o is string => o !== null);
    return countries;
  };
  const ruleMatch = (): RuleMatch => {
    const match: Record<string, { in?: string[]; notIn?: string[] }> = {};
    for (const criterion of [
      d.pick(['organizationJurisdictions', 'siteJurisdictions']),
      d.pick(['acceleratorTypes', 'modelTags']),
      d.pick(['modelIds', 'modelOrigins']),
    ]) {
      const values = d.some(poolOf(criterion), criterion.endsWith('Jurisdictions') ? 2 : 1);
      match[criterion] = d.random() < 0.95 ? { in: values } : { notIn: values };
    }
    return match;
  };
  return Array.from({ length: size.rules }, (_, i) => ({
    object: 'policy_rule',
    id: `rule-${i}`,
    position: i,
    effect: d.random() < 0.8 ? 'deny' : 'allow',
    match: ruleMatch(),
    reason: `rule ${i}`,
    reference: null,
    createdAt: at,
    updatedAt: at,
  }));
}

export function syntheticPlatform(size: PlatformSize, seed = 1): SyntheticPlatform {
  const d = draw(seed);
  const { sites, models, deployments } = catalog(size, d);
  const groups = customGroups(size, d);
  const codes = [...countries, ...builtIn, ...groups.map((g) => g.id)];
  const organizations: OrganizationFacts[] = Array.from({ length: size.organizations }, (_, i) => ({
    id: `org-${i}`,
    homeJurisdiction: d.pick(countries),
  }));
  const projects = Array.from(
    { length: size.projectPolicies },
    (_, i) => [organizations[(i * 7) % organizations.length]!.id, `project-${i}`] as const,
  );
  const projectPolicies = new Map<string, Map<string, StoredPolicy>>();
  for (const [organizationId, projectId] of projects) {
    const ofOrganization = projectPolicies.get(organizationId) ?? new Map<string, StoredPolicy>();
    projectPolicies.set(
      organizationId,
      ofOrganization.set(projectId, stored({ deniedJurisdictions: d.some(countries, 3) })),
    );
  }
  const state: PolicyState = {
    version: 1,
    groups: new Map(groups.map((g) => [g.id, g])),
    organizationPolicies: organizationPolicies(organizations, groups, codes, d),
    projectPolicies,
    rules: rules(size, models, d),
  };
  return { state, organizations, models, sites, deployments, projects };
}
