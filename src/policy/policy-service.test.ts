import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { writeOnce } from '../../test/helpers/write-once.js';
import { CommonwealError } from '../errors/index.js';
import { openSqliteStore, type Store } from '../store/index.js';
import type { DefaultResidency } from './default-residency.js';
import { PolicyEngine } from './policy-engine.js';
import type { OrganizationFacts } from './policy-facts.js';
import { PolicyService } from './policy-service.js';
import { toResidencyPolicy } from './residency-policy.js';

const organizations: OrganizationFacts[] = [
  { id: 'acme', homeJurisdiction: 'DE' },
  { id: 'globex', homeJurisdiction: 'US' },
];
const catalog = {
  models: [{ id: 'm', family: null, origin: null, license: 'MIT', tags: ['frontier'] }],
  sites: [
    { id: 'fra', jurisdiction: 'DE', accelerators: [] },
    { id: 'par', jurisdiction: 'FR', accelerators: [] },
    { id: 'sjc', jurisdiction: 'US', accelerators: [] },
  ],
  deployments: ['fra', 'par', 'sjc'].map((siteId) => ({ id: `m@${siteId}`, modelId: 'm', siteId, enabled: true })),
};

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-policy-service-'));
  store = await openSqliteStore(join(dir, 'db.sqlite'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function service(defaultResidency: DefaultResidency): Promise<PolicyService> {
  const engine = new PolicyEngine(defaultResidency);
  const policy = new PolicyService({ store, engine, listOrganizations: async () => organizations });
  await policy.reload();
  engine.useCatalog(catalog);
  return policy;
}

describe('a new organization', () => {
  it('starts home-only under the `home` default, as a recorded first version', async () => {
    const policy = await service('home');
    const record = await writeOnce(store, (tx) => policy.initializeOrganization(tx, organizations[0]!, 'operator'));
    await policy.reload();
    assert.deepEqual([record.version, record.kind, record.before], [1, 'organization_policy', null]);
    const view = policy.organizationPolicy(organizations[0]!);
    assert.deepEqual([view.source, view.version, view.allowedJurisdictions], ['stored', 1, ['DE']]);
    assert.equal(policy.engine.version, 1);
  });

  it('starts open under the `open` default; one that never had a policy reads as the server default', async () => {
    const policy = await service('open');
    await writeOnce(store, (tx) => policy.initializeOrganization(tx, organizations[0]!, 'operator'));
    await policy.reload();
    assert.equal(policy.organizationPolicy(organizations[0]!).allowedJurisdictions, null);
    const legacy = policy.organizationPolicy(organizations[1]!);
    assert.deepEqual([legacy.source, legacy.version], ['server_default', null]);
  });
});

describe('simulate', () => {
  it('reports who would lose or gain service, and saves nothing', async () => {
    const policy = await service('open');
    const eu = toResidencyPolicy({ allowedJurisdictions: ['EU'] });
    const euOnly = { kind: 'organization_policy', organizationId: 'acme', policy: eu } as const;
    await writeOnce(store, (tx) => policy.save(tx, euOnly, 'operator'));
    await policy.reload();
    const deny = {
      kind: 'rule' as const,
      rule: {
        id: 'frontier-g7',
        effect: 'deny' as const,
        match: { modelTags: { in: ['frontier'] }, organizationJurisdictions: { in: ['US'] } },
        reason: 'r',
        reference: null,
      },
    };
    const simulation = await policy.simulate(deny);
    assert.deepEqual(
      simulation.losing.map((s) => [s.organizationId, s.modelId]),
      [['globex', 'm']],
    );
    assert.deepEqual(
      [simulation.gaining, simulation.changed, simulation.evaluated, simulation.policyVersion],
      [[], [], 2, 1],
    );
    assert.equal(policy.engine.version, 1, 'nothing was saved');
    assert.equal(policy.rules().length, 0);

    const narrower = await policy.simulate({
      kind: 'organization_policy',
      organizationId: 'acme',
      policy: toResidencyPolicy({ allowedJurisdictions: ['FR'] }),
    });
    assert.deepEqual(narrower.changed, [
      {
        organizationId: 'acme',
        projectId: null,
        modelId: 'm',
        allowedBefore: ['m@fra', 'm@par'],
        allowedAfter: ['m@par'],
      },
    ]);
    const nowhere = await policy.simulate({
      kind: 'organization_policy',
      organizationId: 'acme',
      policy: toResidencyPolicy({ allowedJurisdictions: [] }),
    });
    assert.deepEqual([nowhere.losing.length, nowhere.counts], [1, { gaining: 0, losing: 1, changed: 0 }]);
  });

  it('checks a change exactly as saving would', async () => {
    const policy = await service('open');
    await assert.rejects(
      async () => policy.simulate({ kind: 'jurisdiction_group', group: { id: 'ODD', name: 'odd', members: ['XX'] } }),
      (error: unknown) =>
        error instanceof CommonwealError && error.code === 'invalid_request' && /"XX"/.test(error.message),
    );
  });
});

describe('explain', () => {
  it('lists every deployment, allowed or with the clause that excludes it', async () => {
    const policy = await service('home');
    await writeOnce(store, (tx) => policy.initializeOrganization(tx, organizations[0]!, 'operator'));
    await policy.reload();
    const explanation = policy.explain('acme', null, 'm');
    assert.deepEqual(
      [explanation.served, explanation.allowedDeployments, explanation.policies, explanation.organizationJurisdiction],
      [true, 1, { organization: 'stored', project: null }, 'DE'],
    );
    assert.deepEqual(
      explanation.deployments.map((d) => [d.deploymentId, d.allowed, d.exclusions.map((e) => e.clause)]),
      [
        ['m@fra', true, []],
        ['m@par', false, ['allowedJurisdictions']],
        ['m@sjc', false, ['allowedJurisdictions']],
      ],
    );
    assert.equal(policy.explain('globex', 'some-project', 'm').policies.organization, 'server_default');
  });
});
