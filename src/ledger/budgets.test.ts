import assert from 'node:assert/strict';
import { GroupCommitWriter } from '../store/index.js';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import { Budgets } from './budgets.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId } from './ledger-account.js';

const prices = { inputPriceMicroPerMtok: 1_000_000, outputPriceMicroPerMtok: 0 };
const noon = Date.parse('2027-03-01T12:00:00Z');

/*
 * What a budget has spent is read from the ledger's charges when it is created and when
 * the server starts: the charges debited to its organization's accounts (a grant's as
 * well as its own) in the period, narrowed to the project or key it covers.
 */
testOnEachStore(
  "a budget's spending is read back from the charges of its period, scope and organization",
  async (_t, store) => {
    const writer = new GroupCommitWriter(store);
    try {
      const ledger = await Ledger.open(store, writer, { now: () => noon });
      for (const id of ['a', 'b']) {
        await store.db
          .insertInto('organizations')
          .values({
            id,
            name: id,
            homeJurisdiction: 'DE',
            createdAt: '2027-01-01T00:00:00.000Z',
            updatedAt: '2027-01-01T00:00:00.000Z',
          })
          .execute();
        await ledger.openAccount({ id: `org:${id}`, kind: 'organization', organizationId: id });
        await ledger.transfer({
          id: `deposit-${id}`,
          debitAccountId: issuanceAccountId,
          creditAccountId: `org:${id}`,
          amountMicro: 1_000,
          code: 'deposit',
        });
      }
      await ledger.openAccount({
        id: 'grant:a',
        kind: 'grant',
        organizationId: 'a',
        programId: 'fund',
        expiresAt: '2027-06-01T00:00:00.000Z',
      });
      await ledger.transfer({
        id: 'grant-a',
        debitAccountId: issuanceAccountId,
        creditAccountId: 'grant:a',
        amountMicro: 30,
        code: 'grant',
      });
      const charge = async (
        id: string,
        organizationId: string,
        projectId: string,
        apiKeyId: string,
        promptTokens: number,
        createdAt: string,
      ) => {
        const hold = await ledger.hold({ organizationId, projectId, apiKeyId, modelId: 'm' }, 100, prices, null);
        await writer.submit((tx) =>
          hold.writeCharge(tx, { id, createdAt, ...hold.price({ promptTokens, completionTokens: 0 }) }),
        );
      };
      const today = '2027-03-01T09:00:00.000Z';
      // 40 taken as 30 from the grant and 10 from the organization's own account.
      await charge('r1', 'a', 'p1', 'k1', 40, today);
      await charge('r2', 'a', 'p1', 'k2', 7, today);
      await charge('r3', 'a', 'p2', 'k3', 5, today);
      await charge('r4', 'a', 'p1', 'k1', 100, '2027-02-28T23:59:59.999Z');
      await charge('r5', 'b', 'p1', 'k1', 11, today);

      const budgets = await Budgets.open(ledger);
      const daily = { period: 'day', limitMicro: 1_000 } as const;
      const created = [
        await writer.submit((tx) => budgets.create(tx, 'a', { scope: 'organization', ...daily })),
        await writer.submit((tx) => budgets.create(tx, 'a', { scope: 'project', scopeId: 'p1', ...daily })),
        await writer.submit((tx) => budgets.create(tx, 'a', { scope: 'key', scopeId: 'k2', ...daily })),
        await writer.submit((tx) => budgets.create(tx, 'b', { scope: 'organization', ...daily })),
      ];
      const counted = (await budgets.list('a')).map((b) => [b.id, b.spentMicro]);
      const expected = created.filter((b) => b.organizationId === 'a').map((b) => [b.id, b.spentMicro]);
      const what = 'the book counts each budget from the commit on, with what it had spent';
      assert.deepEqual(counted.sort(), expected.sort(), what);
      assert.deepEqual(
        created.map((b) => b.spentMicro),
        [52, 47, 7, 11],
      );
      const reopened = await Budgets.open(ledger);
      const spent = async (organizationId: string) =>
        (await reopened.list(organizationId)).map((b) => [b.id, b.spentMicro]);
      assert.deepEqual(
        [...(await spent('a')), ...(await spent('b'))].sort(),
        created.map((b) => [b.id, b.spentMicro]).sort(),
      );
    } finally {
      await writer.close();
    }
  },
);
