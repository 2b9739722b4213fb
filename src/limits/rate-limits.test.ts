import assert from 'node:assert/strict';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { writeOnce } from '../../test/helpers/write-once.js';
import { OrganizationRepository, ProjectRepository } from '../tenancy/index.js';
import type { Store } from '../store/index.js';
import { type RateLimitInput, RateLimits } from './rate-limits.js';

const limitsOf = (rule: { requestsPerMinute: number | null; tokensPerMinute: number | null } | null | undefined) =>
  rule === null || rule === undefined ? rule : [rule.requestsPerMinute, rule.tokensPerMinute];

/** Sets a rule in a transaction of its own, as the admin API's job does in a shared one, then reloads. */
async function set(store: Store, limits: RateLimits, organizationId: string, input: RateLimitInput) {
  const { after } = await writeOnce(store, (tx) => limits.set(tx, organizationId, input));
  await limits.reload();
  return after;
}

testOnEachStore('a project id used by two organizations has a rate limit in each', async (_t, store) => {
  const organizations = new OrganizationRepository(store);
  const projects = new ProjectRepository(store);
  for (const organizationId of ['x', 'y']) {
    const organization = { id: organizationId, name: organizationId, homeJurisdiction: 'DE' };
    await writeOnce(store, (tx) => organizations.create(tx, organization));
    await writeOnce(store, (tx) => projects.create(tx, organizationId, { id: 'main', name: 'main' }));
  }
  const limits = await RateLimits.open(store);
  await set(store, limits, 'x', { scope: 'project', scopeId: 'main', requestsPerMinute: 10, tokensPerMinute: 1000 });
  await set(store, limits, 'y', { scope: 'project', scopeId: 'main', requestsPerMinute: 20, tokensPerMinute: null });

  const reopened = await RateLimits.open(store);
  assert.deepEqual(limitsOf(reopened.forProject('x', 'main')), [10, 1000]);
  assert.deepEqual(limitsOf(reopened.forProject('y', 'main')), [20, null]);
  assert.deepEqual(
    (await reopened.list('y')).map((rule) => rule.id),
    ['project:main'],
  );
});

testOnEachStore('a rate limit change keeps the limit it does not name and null removes one', async (_t, store) => {
  const organizations = new OrganizationRepository(store);
  await writeOnce(store, (tx) => organizations.create(tx, { id: 'x', name: 'x', homeJurisdiction: 'DE' }));
  await writeOnce(store, (tx) => new ProjectRepository(store).create(tx, 'x', { id: 'main', name: 'main' }));
  const limits = await RateLimits.open(store);
  const target = { scope: 'project', scopeId: 'main' } as const;

  assert.deepEqual(limitsOf(await set(store, limits, 'x', { ...target, requestsPerMinute: 10 })), [10, null]);
  assert.deepEqual(limitsOf(await set(store, limits, 'x', { ...target, tokensPerMinute: 500 })), [10, 500]);
  assert.deepEqual(limitsOf(await set(store, limits, 'x', { ...target, requestsPerMinute: null })), [null, 500]);
  assert.deepEqual(limitsOf(limits.forProject('x', 'main')), [null, 500]);
  const removed = await set(store, limits, 'x', { ...target, tokensPerMinute: null });
  assert.equal(removed, null, 'a rule with no limit is removed');
  assert.equal(limits.forProject('x', 'main'), undefined);
  assert.deepEqual(await limits.list('x'), []);
});
