import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { requireService, type ServiceCheck } from './require-service.js';

/** Records what a test would be skipped with; the decision is the helper's, the skipping node's. */
function recordingContext(): { readonly context: TestContext; readonly skipped: string[] } {
  const skipped: string[] = [];
  return { context: { skip: (message?: string) => skipped.push(message ?? '') } as unknown as TestContext, skipped };
}

const refused: ServiceCheck = {
  name: 'Redis',
  address: '127.0.0.1:6379',
  probe: () =>
    Promise.reject(
      new AggregateError(
        [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
        '',
      ),
    ),
};

test('requireService goes on when the service answers', async () => {
  const { context, skipped } = recordingContext();
  assert.equal(await requireService(context, { ...refused, probe: async () => {} }, {}), true);
  assert.deepEqual(skipped, []);
});

test('requireService skips with the address and the reason when the service does not answer', async () => {
  const { context, skipped } = recordingContext();
  assert.equal(await requireService(context, refused, {}), false);
  assert.deepEqual(skipped, ['Redis not reachable at 127.0.0.1:6379: connect ECONNREFUSED 127.0.0.1:6379']);
});

test('requireService fails instead of skipping when COMMONWEAL_REQUIRE_SERVICES=1', async () => {
  const { context, skipped } = recordingContext();
  await assert.rejects(
    requireService(context, refused, { COMMONWEAL_REQUIRE_SERVICES: '1' }),
    /Redis not reachable at 127\.0\.0\.1:6379: connect ECONNREFUSED/,
  );
  assert.deepEqual(skipped, []);
});
