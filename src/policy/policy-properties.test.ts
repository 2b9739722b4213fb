import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { customGroup, policyState, rule } from '../../test/helpers/policy-state-builder.js';
import { Balancer, DeploymentStats } from '../routing/index.js';
import { Jurisdictions } from './jurisdictions.js';
import type { PolicyDecision } from './policy-decision.js';
import { PolicyEngine } from './policy-engine.js';
import type { DeploymentFacts, ModelFacts, SiteFacts } from './policy-facts.js';
import type { PolicyRule, RuleCondition, RuleMatch } from './policy-rule.js';
import type { PolicyState } from './policy-state.js';
import { type AcceleratorMatcher, type ResidencyPolicy, toResidencyPolicy } from './residency-policy.js';

const breaker = { failuresMax: 5, openMs: 10_000 };

/*
 * Random platforms: sites, deployments, policies, custom groups and rules drawn from
 * small pools, so that they collide often enough to exercise every clause.
 */

const countries = ['DE', 'FR', 'US', 'CN', 'BR', 'JP', 'IS', 'CH', 'VN', 'ZA', 'AU', 'SA'] as const;
const builtInGroups = ['EU', 'EEA', 'EFTA', 'G7', 'FIVE_EYES', 'ASEAN', 'AFRICAN_UNION', 'GCC'] as const;
const customGroupIds = ['CUSTOM_A', 'CUSTOM_B'] as const;
const codes = [...countries, ...builtInGroups, ...customGroupIds];
const accelerators = [
  { vendor: 'nvidia', type: 'H100' },
  { vendor: 'nvidia', type: 'H200' },
  { vendor: 'huawei', type: 'Ascend 910B' },
  { vendor: 'amd', type: 'MI300X' },
] as const;
const tags = ['frontier', 'chat', 'open'] as const;
const licenses = ['Apache-2.0', 'MIT', 'Llama'] as const;
const origins = ['Lab A', 'Lab B'] as const;
const organizations = [
  { id: 'org-1', homeJurisdiction: 'DE' },
  { id: 'org-2', homeJurisdiction: 'BR' },
  { id: 'org-3', homeJurisdiction: 'VN' },
];

const subset = <T>(values: readonly T[], maxLength = values.length) =>
  fc.uniqueArray(fc.constantFrom(...values), { maxLength });

const siteArb = (index: number) =>
  fc
    .record({ jurisdiction: fc.constantFrom(...countries), accelerators: subset(accelerators, 2) })
    .map((s): SiteFacts => ({ id: `site-${index}`, ...s }));

const modelArb = (index: number) =>
  fc
    .record({
      family: fc.constantFrom('f1', 'f2', null),
      origin: fc.constantFrom(...origins, null),
      license: fc.constantFrom(...licenses, null),
      tags: subset(tags),
    })
    .map((m): ModelFacts => ({ id: `model-${index}`, ...m }));

const matcherArb: fc.Arbitrary<AcceleratorMatcher> = fc.oneof(
  fc.constantFrom(...accelerators).map((a) => ({ vendor: a.vendor })),
  fc.constantFrom(...accelerators).map((a) => ({ type: a.type.toLowerCase() })),
  fc.constantFrom(...accelerators).map((a) => ({ vendor: a.vendor, type: a.type })),
);

const policyArb: fc.Arbitrary<Partial<ResidencyPolicy>> = fc.record(
  {
    allowedJurisdictions: fc.option(subset(codes, 4), { nil: null }),
    deniedJurisdictions: subset(codes, 2),
    requireAccelerators: fc.array(matcherArb, { maxLength: 2 }),
    denyAccelerators: fc.array(matcherArb, { maxLength: 1 }),
    allowedModelLicenses: fc.option(subset(licenses, 2), { nil: null }),
    allowedModelOrigins: fc.option(subset(origins, 1), { nil: null }),
  },
  { requiredKeys: [] },
);

function conditionArb<T extends string>(values: readonly T[]): fc.Arbitrary<RuleCondition> {
  return fc.oneof(
    subset(values, 3)
      .filter((v) => v.length > 0)
      .map((v) => ({ in: v })),
    subset(values, 3)
      .filter((v) => v.length > 0)
      .map((v) => ({ notIn: v })),
  );
}

const matchArb: fc.Arbitrary<RuleMatch> = fc.record(
  {
    organizationJurisdictions: conditionArb(codes),
    siteJurisdictions: conditionArb(codes),
    acceleratorVendors: conditionArb(['nvidia', 'huawei', 'amd']),
    acceleratorTypes: conditionArb(['h100', 'Ascend 910B', 'MI300X']),
    modelIds: conditionArb(['model-0', 'model-1', 'model-2']),
    modelFamilies: conditionArb(['f1', 'f2']),
    modelOrigins: conditionArb(['lab a', 'Lab B']),
    modelTags: conditionArb(tags),
  },
  { requiredKeys: [] },
);

const ruleArb = (index: number) =>
  fc
    .record({ effect: fc.constantFrom('allow' as const, 'deny' as const), match: matchArb })
    .map((r) => rule(`rule-${index}`, r.effect, r.match));

const platformArb = fc
  .record({
    sites: fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => siteArb(i)))),
    models: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => modelArb(i)))),
    placement: fc.array(
      fc.record({ site: fc.nat(5), model: fc.nat(2), enabled: fc.boolean(), weight: fc.integer({ min: 1, max: 100 }) }),
      { minLength: 1, maxLength: 12 },
    ),
    groupA: subset([...countries, ...builtInGroups], 4),
    groupB: subset([...countries, 'CUSTOM_A'], 3),
    organizationPolicies: fc.tuple(
      fc.option(policyArb, { nil: undefined }),
      fc.option(policyArb, { nil: undefined }),
      fc.option(policyArb, { nil: undefined }),
    ),
    projectPolicy: fc.option(policyArb, { nil: undefined }),
    rules: fc.integer({ min: 0, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i)))),
  })
  .map((p) => {
    const deployments = new Map<string, DeploymentFacts & { weight: number }>();
    for (const { site, model, enabled, weight } of p.placement) {
      const siteId = p.sites[site % p.sites.length]!.id;
      const modelId = p.models[model % p.models.length]!.id;
      deployments.set(`${modelId}@${siteId}`, { id: `${modelId}@${siteId}`, modelId, siteId, enabled, weight });
    }
    const organizationPolicies: Record<string, Partial<ResidencyPolicy>> = {};
    p.organizationPolicies.forEach((policy, i) => {
      if (policy !== undefined) organizationPolicies[organizations[i]!.id] = policy;
    });
    const state = policyState({
      groups: [
        customGroup('CUSTOM_A', p.groupA.length > 0 ? p.groupA : ['DE']),
        customGroup('CUSTOM_B', p.groupB.length > 0 ? p.groupB : ['FR']),
      ],
      organizations: organizationPolicies,
      projects: p.projectPolicy === undefined ? {} : { 'org-1': { narrow: p.projectPolicy } },
      rules: p.rules,
    });
    return { sites: p.sites, models: p.models, deployments: [...deployments.values()], state };
  });

type Platform = typeof platformArb extends fc.Arbitrary<infer P> ? P : never;

function engineFor(platform: Platform, state: PolicyState = platform.state): PolicyEngine {
  const engine = new PolicyEngine('open');
  engine.useState(state, organizations);
  engine.useCatalog(platform);
  return engine;
}

function allowedIds(decision: PolicyDecision): Set<string> {
  return new Set(decision.verdicts.filter((v) => v.allowed).map((v) => v.deploymentId));
}

/** The gateway's failover loop, reduced to its routing: pick with the policy's `accepts` until nothing is left. */
function routeWithFailover(
  platform: Platform,
  decision: PolicyDecision,
  seed: number,
  openCircuits: ReadonlySet<number>,
): string[] {
  // `openCircuits` holds indexes into the platform's deployments whose circuit breaker is open.
  const candidates = platform.deployments.flatMap((d, i) => {
    if (d.modelId !== decision.modelId) return [];
    const stats = new DeploymentStats({ breaker });
    if (openCircuits.has(i)) for (let n = 0; n < breaker.failuresMax; n++) stats.onFailure();
    return [{ deployment: { id: d.id, weight: d.weight, enabled: d.enabled }, stats }];
  });
  let state = seed >>> 0;
  const balancer = new Balancer(() => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296);
  const tried = new Set<string>();
  for (let attempt = 0; attempt <= candidates.length; attempt++) {
    const picked = balancer.pick(candidates, tried, decision.accepts);
    if (picked === undefined) break;
    tried.add(picked.deployment.id);
  }
  return [...tried];
}

/** An independent, deliberately plain reading of the semantics in docs/policy.md, to check the engine against. */
function oracleAllows(
  platform: Platform,
  organizationId: string,
  projectId: string,
  deployment: DeploymentFacts,
): boolean {
  const jurisdictions = new Jurisdictions([...platform.state.groups.values()]);
  const expand = (list: readonly string[]) =>
    new Set(list.flatMap((code) => [...(jurisdictions.countriesOf(code) ?? [])]));
  const site = platform.sites.find((s) => s.id === deployment.siteId)!;
  const model = platform.models.find((m) => m.id === deployment.modelId)!;
  const home = organizations.find((o) => o.id === organizationId)!.homeJurisdiction;
  const lower = (v: string | null) => v?.toLowerCase() ?? null;
  const fits = (m: AcceleratorMatcher, a: { vendor: string; type: string }) =>
    (m.vendor ?? a.vendor) === a.vendor && lower(m.type ?? a.type) === lower(a.type);
  const passes = (policy: Partial<ResidencyPolicy> | undefined): boolean => {
    if (policy === undefined) return true;
    if (policy.allowedJurisdictions != null && !expand(policy.allowedJurisdictions).has(site.jurisdiction))
      return false;
    if (expand(policy.deniedJurisdictions ?? []).has(site.jurisdiction)) return false;
    const required = policy.requireAccelerators ?? [];
    if (
      required.length > 0 &&
      (site.accelerators.length === 0 || !site.accelerators.every((a) => required.some((m) => fits(m, a))))
    )
      return false;
    if (site.accelerators.some((a) => (policy.denyAccelerators ?? []).some((m) => fits(m, a)))) return false;
    if (
      policy.allowedModelLicenses != null &&
      !policy.allowedModelLicenses.some((l) => lower(l) === lower(model.license))
    )
      return false;
    return (
      policy.allowedModelOrigins == null || policy.allowedModelOrigins.some((o) => lower(o) === lower(model.origin))
    );
  };
  const values: Record<keyof RuleMatch, readonly (string | null)[]> = {
    organizationJurisdictions: [home],
    siteJurisdictions: [site.jurisdiction],
    acceleratorVendors: site.accelerators.map((a) => a.vendor),
    acceleratorTypes: site.accelerators.map((a) => a.type.toLowerCase()),
    modelIds: [model.id],
    modelFamilies: [model.family],
    modelOrigins: [lower(model.origin)],
    modelTags: model.tags,
  };
  const holds = (criterion: keyof RuleMatch, condition: RuleCondition): boolean => {
    const listed = condition.in ?? condition.notIn!;
    const isJurisdiction = criterion === 'organizationJurisdictions' || criterion === 'siteJurisdictions';
    const set = isJurisdiction
      ? expand(listed)
      : new Set(
          listed.map((v) => (criterion === 'acceleratorTypes' || criterion === 'modelOrigins' ? v.toLowerCase() : v)),
        );
    const any = values[criterion].some((v) => v !== null && set.has(v));
    return condition.in !== undefined ? any : !any;
  };
  const first = platform.state.rules.find((r: PolicyRule) =>
    Object.entries(r.match).every(([c, cond]) => holds(c as keyof RuleMatch, cond as RuleCondition)),
  );
  const stored = platform.state.organizationPolicies.get(organizationId)?.policy;
  const project = platform.state.projectPolicies.get(organizationId)?.get(projectId)?.policy;
  return passes(stored) && passes(project) && first?.effect !== 'deny';
}

const runs = { numRuns: 300 };

describe('policy properties', () => {
  it('no routed request, first try or failover, lands on a deployment that explain marks as excluded', () => {
    fc.assert(
      fc.property(platformArb, fc.integer(), fc.uniqueArray(fc.nat(11), { maxLength: 4 }), (platform, seed, open) => {
        const engine = engineFor(platform);
        for (const organization of organizations) {
          for (const projectId of ['narrow', 'plain']) {
            for (const model of platform.models) {
              const decision = engine.decide(organization.id, projectId, model.id);
              const explained = engine.evaluate(engine.snapshot, organization.id, projectId, model.id);
              const allowed = allowedIds(explained);
              const routed = routeWithFailover(platform, decision, seed, new Set(open));
              for (const id of routed) assert.ok(allowed.has(id), `${id} was routed but explain excludes it`);
              // And nothing the policy allows is withheld: every eligible allowed deployment gets its turn.
              const reachable = platform.deployments.filter(
                (d, i) => d.modelId === model.id && d.enabled && allowed.has(d.id) && !open.includes(i),
              );
              assert.equal(routed.length, reachable.length);
            }
          }
        }
      }),
      runs,
    );
  });

  it('explain agrees with a plain reading of the documented semantics', () => {
    fc.assert(
      fc.property(platformArb, (platform) => {
        const engine = engineFor(platform);
        for (const organization of organizations) {
          for (const projectId of ['narrow', 'plain']) {
            for (const model of platform.models) {
              const decision = engine.evaluate(engine.snapshot, organization.id, projectId, model.id);
              for (const verdict of decision.verdicts) {
                const deployment = platform.deployments.find((d) => d.id === verdict.deploymentId)!;
                assert.equal(
                  verdict.allowed,
                  oracleAllows(platform, organization.id, projectId, deployment),
                  JSON.stringify(verdict),
                );
                assert.equal(verdict.allowed, verdict.exclusions.length === 0);
              }
            }
          }
        }
      }),
      runs,
    );
  });

  it("a project policy never widens its organization's", () => {
    fc.assert(
      fc.property(platformArb, (platform) => {
        const engine = engineFor(platform);
        for (const model of platform.models) {
          const organization = allowedIds(engine.decide('org-1', 'plain', model.id));
          const project = engine.decide('org-1', 'narrow', model.id);
          for (const id of allowedIds(project))
            assert.ok(organization.has(id), `${id}: the project allows what its organization does not`);
          if (engine.decide('org-1', 'plain', model.id).denied) assert.equal(project.denied, true);
        }
      }),
      runs,
    );
  });

  it('cached decisions always equal fresh ones, through any sequence of policy and catalog changes', () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant('policy' as const), organization: fc.nat(2), policy: policyArb }),
      fc.record({ kind: fc.constant('rules' as const), rules: fc.array(fc.nat(4).chain(ruleArb), { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('drop_deployment' as const), index: fc.nat(11) }),
    );
    fc.assert(
      fc.property(platformArb, fc.array(change, { minLength: 1, maxLength: 6 }), (platform, changes) => {
        let current = platform;
        const engine = engineFor(current);
        for (const [step, next] of changes.entries()) {
          if (next.kind === 'policy') {
            const organizationPolicies = new Map(current.state.organizationPolicies);
            organizationPolicies.set(organizations[next.organization]!.id, {
              policy: toResidencyPolicy(next.policy),
              version: step + 2,
              updatedAt: '',
            });
            current = { ...current, state: { ...current.state, version: step + 2, organizationPolicies } };
            engine.useState(current.state, organizations);
          } else if (next.kind === 'rules') {
            current = {
              ...current,
              state: {
                ...current.state,
                version: step + 2,
                rules: next.rules.map((r, position) => ({ ...r, id: `r${position}`, position })),
              },
            };
            engine.useState(current.state, organizations);
          } else {
            current = {
              ...current,
              deployments: current.deployments.filter((_, i) => i !== next.index % current.deployments.length),
            };
            engine.useCatalog(current);
          }
          for (const organization of organizations) {
            for (const model of current.models) {
              const cached = engine.decide(organization.id, 'narrow', model.id);
              const reference = engineFor(current);
              const fresh = reference.evaluate(reference.snapshot, organization.id, 'narrow', model.id);
              assert.deepEqual([...allowedIds(cached)].sort(), [...allowedIds(fresh)].sort());
              assert.equal(cached.version, current.state.version);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
