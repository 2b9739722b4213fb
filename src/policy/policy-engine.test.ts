import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customGroup, policyState, rule } from '../../test/helpers/policy-state-builder.js';
import type { DefaultResidency } from './default-residency.js';
import type { PolicyDecision } from './policy-decision.js';
import { PolicyEngine } from './policy-engine.js';
import type { DeploymentFacts, ModelFacts, OrganizationFacts, SiteFacts } from './policy-facts.js';
import { policyDeniedError } from './policy-errors.js';
import type { PolicyState } from './policy-state.js';

const sites: SiteFacts[] = [
  { id: 'fra-1', jurisdiction: 'DE', accelerators: [{ vendor: 'nvidia', type: 'H200' }] },
  {
    id: 'par-1',
    jurisdiction: 'FR',
    accelerators: [
      { vendor: 'nvidia', type: 'H100' },
      { vendor: 'amd', type: 'MI300X' },
    ],
  },
  { id: 'sjc-1', jurisdiction: 'US', accelerators: [{ vendor: 'nvidia', type: 'H100' }] },
  { id: 'szx-1', jurisdiction: 'CN', accelerators: [{ vendor: 'huawei', type: 'Ascend 910B' }] },
  { id: 'bare-1', jurisdiction: 'DE', accelerators: [] },
];
const models: ModelFacts[] = [
  { id: 'open-7b', family: 'qwen', origin: 'Alibaba Cloud', license: 'Apache-2.0', tags: ['chat'] },
  { id: 'frontier-1', family: null, origin: 'Frontier Labs', license: null, tags: ['frontier', 'chat'] },
];
const deployments: DeploymentFacts[] = models.flatMap((m) =>
  sites.map((s) => ({ id: `${m.id}@${s.id}`, modelId: m.id, siteId: s.id, enabled: true })),
);
const organizations: OrganizationFacts[] = [
  { id: 'acme', homeJurisdiction: 'DE' },
  { id: 'globex', homeJurisdiction: 'US' },
  { id: 'amazonia', homeJurisdiction: 'BR' },
];

function engineWith(state: PolicyState, defaultResidency: DefaultResidency = 'open'): PolicyEngine {
  const engine = new PolicyEngine(defaultResidency);
  engine.useState(state, organizations);
  engine.useCatalog({ models, sites, deployments });
  return engine;
}

/** The sites whose deployment of the model the decision allows. */
function allowedSites(decision: PolicyDecision): string[] {
  return decision.verdicts.filter((v) => v.allowed).map((v) => v.siteId);
}

function exclusionOf(decision: PolicyDecision, siteId: string): string {
  return decision.verdicts
    .find((v) => v.siteId === siteId)!
    .exclusions.map((e) => e.message)
    .join('; ');
}

describe('residency policies', () => {
  it('the open server default allows everywhere; the home default only the home country', () => {
    assert.equal(allowedSites(engineWith(policyState({})).decide('acme', 'p', 'open-7b')).length, 5);
    const home = engineWith(policyState({}), 'home').decide('acme', 'p', 'open-7b');
    assert.deepEqual(allowedSites(home), ['fra-1', 'bare-1']);
    assert.equal(
      exclusionOf(home, 'par-1'),
      "organization policy (server default): allowedJurisdictions [DE] does not include the site's jurisdiction FR",
    );
  });

  it('allows the jurisdictions of its groups, and a denied jurisdiction wins over an allowed one', () => {
    const engine = engineWith(
      policyState({ organizations: { acme: { allowedJurisdictions: ['EU'], deniedJurisdictions: ['DE'] } } }),
    );
    const decision = engine.decide('acme', 'p', 'open-7b');
    assert.deepEqual(allowedSites(decision), ['par-1']);
    assert.equal(
      exclusionOf(decision, 'fra-1'),
      "organization policy: deniedJurisdictions [DE] includes the site's jurisdiction DE",
    );
    assert.equal(
      exclusionOf(decision, 'sjc-1'),
      "organization policy: allowedJurisdictions [EU] does not include the site's jurisdiction US",
    );
    assert.equal(
      allowedSites(
        engineWith(policyState({ organizations: { acme: { allowedJurisdictions: [] } } })).decide(
          'acme',
          'p',
          'open-7b',
        ),
      ).length,
      0,
    );
  });

  it('requires that every accelerator of a site match, and that a site declare some', () => {
    const decision = engineWith(
      policyState({ organizations: { acme: { requireAccelerators: [{ vendor: 'nvidia' }] } } }),
    ).decide('acme', 'p', 'open-7b');
    assert.deepEqual(allowedSites(decision), ['fra-1', 'sjc-1']);
    assert.match(
      exclusionOf(decision, 'par-1'),
      /requireAccelerators \[nvidia\] is not met: the site also has amd MI300X/,
    );
    assert.match(exclusionOf(decision, 'bare-1'), /the site declares no accelerators/);
  });

  it('denies a site with any matching accelerator, types compared without regard to case', () => {
    const decision = engineWith(
      policyState({ organizations: { acme: { denyAccelerators: [{ type: 'ascend 910b' }, { vendor: 'amd' }] } } }),
    ).decide('acme', 'p', 'open-7b');
    assert.deepEqual(allowedSites(decision), ['fra-1', 'sjc-1', 'bare-1']);
    assert.match(
      exclusionOf(decision, 'szx-1'),
      /denyAccelerators \[type ascend 910b, amd\] matches the site's huawei Ascend 910B/,
    );
  });

  it('excludes a model by license or origin wherever it runs, and then denies it', () => {
    const engine = engineWith(
      policyState({ organizations: { acme: { allowedModelLicenses: ['apache-2.0', 'MIT'] } } }),
    );
    assert.equal(engine.decide('acme', 'p', 'open-7b').denied, false);
    const frontier = engine.decide('acme', 'p', 'frontier-1');
    assert.equal(frontier.denied, true);
    assert.match(
      frontier.modelExclusions[0]!.message,
      /allowedModelLicenses \[apache-2.0, MIT\] does not include it: the model declares no license/,
    );
    assert.match(policyDeniedError(frontier).message, /the model itself is excluded/);
  });

  it("lets a project narrow its organization's policy and never widen it", () => {
    const engine = engineWith(
      policyState({
        organizations: { acme: { allowedJurisdictions: ['EU'] } },
        projects: { acme: { research: { allowedJurisdictions: ['FR', 'US'] } } },
      }),
    );
    assert.deepEqual(allowedSites(engine.decide('acme', 'research', 'open-7b')), ['par-1']);
    assert.deepEqual(allowedSites(engine.decide('acme', 'other', 'open-7b')), ['fra-1', 'par-1', 'bare-1']);
    const us = engine.decide('acme', 'research', 'open-7b').verdicts.find((v) => v.siteId === 'sjc-1')!;
    assert.deepEqual(
      us.exclusions.map((e) => e.source),
      ['organization_policy'],
    );
  });
});

describe('rules', () => {
  // The two examples docs/policy.md shows.
  const frontierOutsideG7 = rule(
    'frontier-outside-g7',
    'deny',
    { modelTags: { in: ['frontier'] }, organizationJurisdictions: { notIn: ['G7'] } },
    'frontier models are served to G7 tenants only',
    'Export Control Order 7',
  );
  const ascendToUs = rule(
    'no-ascend-for-us',
    'deny',
    { acceleratorTypes: { in: ['Ascend 910B'] }, organizationJurisdictions: { in: ['US'] } },
    'US tenants may not be served on Ascend 910B',
  );

  it('deny frontier models to organizations outside a group, and name the rule', () => {
    const engine = engineWith(policyState({ rules: [frontierOutsideG7, ascendToUs] }));
    const denied = engine.decide('amazonia', 'p', 'frontier-1');
    assert.equal(denied.denied, true);
    assert.equal(
      exclusionOf(denied, 'fra-1'),
      'rule "frontier-outside-g7" denies: frontier models are served to G7 tenants only (Export Control Order 7)',
    );
    assert.match(policyDeniedError(denied).message, /rule "frontier-outside-g7" denies/);
    assert.equal(engine.decide('amazonia', 'p', 'open-7b').denied, false);
    assert.equal(allowedSites(engine.decide('acme', 'p', 'frontier-1')).length, 5);
  });

  it('keep sites with an accelerator type from serving organizations of a jurisdiction', () => {
    const engine = engineWith(policyState({ rules: [frontierOutsideG7, ascendToUs] }));
    assert.deepEqual(allowedSites(engine.decide('globex', 'p', 'open-7b')), ['fra-1', 'par-1', 'sjc-1', 'bare-1']);
    assert.equal(allowedSites(engine.decide('acme', 'p', 'open-7b')).length, 5);
  });

  it('decide by the first rule that matches: an allow before a deny is an exception to it', () => {
    const exception = rule('acme-may', 'allow', {
      organizationJurisdictions: { in: ['DE'] },
      siteJurisdictions: { in: ['CN'] },
    });
    const noChina = rule('no-china', 'deny', { siteJurisdictions: { in: ['CN'] } });
    const engine = engineWith(policyState({ rules: [exception, noChina] }));
    const acme = engine.decide('acme', 'p', 'open-7b').verdicts.find((v) => v.siteId === 'szx-1')!;
    assert.deepEqual([acme.allowed, acme.ruleId], [true, 'acme-may']);
    const globex = engine.decide('globex', 'p', 'open-7b').verdicts.find((v) => v.siteId === 'szx-1')!;
    assert.deepEqual([globex.allowed, globex.ruleId], [false, 'no-china']);
    const reversed = engineWith(policyState({ rules: [noChina, exception] })).decide('acme', 'p', 'open-7b');
    assert.ok(!allowedSites(reversed).includes('szx-1'));
  });

  it('match everything when they have no criteria, and treat a null attribute as not listed', () => {
    const engine = engineWith(
      policyState({
        rules: [
          rule('no-family-unknown', 'deny', { modelFamilies: { notIn: ['qwen'] } }),
          rule('catch-all', 'deny', {}),
        ],
      }),
    );
    assert.equal(
      exclusionOf(engine.decide('acme', 'p', 'frontier-1'), 'fra-1'),
      'rule "no-family-unknown" denies: reason of no-family-unknown',
    );
    assert.equal(engine.decide('acme', 'p', 'open-7b').verdicts[0]!.ruleId, 'catch-all');
  });
});

describe('failing closed', () => {
  it('a policy or rule naming a jurisdiction that no longer exists excludes everything, saying why', () => {
    const state = policyState({
      organizations: { acme: { allowedJurisdictions: ['GONE_GROUP'] } },
      rules: [rule('odd', 'allow', { siteJurisdictions: { in: ['ALSO_GONE'] } })],
    });
    const engine = engineWith(state);
    assert.match(
      exclusionOf(engine.decide('acme', 'p', 'open-7b'), 'fra-1'),
      /organization policy is invalid and excludes everything/,
    );
    assert.match(
      exclusionOf(engine.decide('globex', 'p', 'open-7b'), 'fra-1'),
      /rule "odd" is invalid and denies everything until it is fixed/,
    );
  });

  it('an unknown organization, model or site is allowed nothing', () => {
    const engine = engineWith(policyState({}));
    assert.equal(engine.decide('stranger', 'p', 'open-7b').denied, true);
    assert.equal(engine.decide('acme', 'p', 'no-such-model').denied, true);
    engine.useCatalog({ models, sites: sites.slice(1), deployments });
    assert.match(exclusionOf(engine.decide('acme', 'p', 'open-7b'), 'fra-1'), /site "fra-1" is not known/);
  });

  it('a broken custom group breaks only the policies that use it', () => {
    const state = policyState({
      groups: [customGroup('LOOPY', ['LOOPY'])],
      organizations: { acme: { allowedJurisdictions: ['LOOPY'] } },
    });
    const engine = engineWith(state);
    assert.equal(engine.decide('acme', 'p', 'open-7b').denied, true);
    assert.equal(engine.decide('globex', 'p', 'open-7b').denied, false);
  });
});

describe('the decision cache', () => {
  it('answers from memory until the policy or the catalog changes, then decides afresh', () => {
    const engine = engineWith(policyState({ version: 7 }));
    const first = engine.decide('acme', 'p', 'open-7b');
    assert.equal(engine.decide('acme', 'p', 'open-7b'), first);
    assert.equal(
      engine.decide('acme', 'other-project', 'open-7b'),
      first,
      "projects without a policy share their organization's decisions",
    );
    assert.equal(first.version, 7);
    engine.useState(
      policyState({ version: 8, organizations: { acme: { allowedJurisdictions: ['US'] } } }),
      organizations,
    );
    const afterPolicy = engine.decide('acme', 'p', 'open-7b');
    assert.notEqual(afterPolicy, first);
    assert.deepEqual([afterPolicy.version, allowedSites(afterPolicy)], [8, ['sjc-1']]);
    engine.useCatalog({ models, sites, deployments: deployments.filter((d) => d.siteId !== 'sjc-1') });
    const afterCatalog = engine.decide('acme', 'p', 'open-7b');
    assert.equal(afterCatalog.denied, true, 'the only allowed site went away');
  });

  it('keeps a project with its own policy apart from its organization', () => {
    const engine = engineWith(policyState({ projects: { acme: { narrow: { allowedJurisdictions: ['FR'] } } } }));
    const organization = engine.decide('acme', 'wide', 'open-7b');
    const narrow = engine.decide('acme', 'narrow', 'open-7b');
    assert.notEqual(narrow, organization);
    assert.equal(engine.decide('acme', 'narrow', 'open-7b'), narrow);
    assert.deepEqual([narrow.projectId, organization.projectId], ['narrow', null]);
  });
});
