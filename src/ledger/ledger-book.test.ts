import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LedgerBook } from './ledger-book.js';

function bookWithAccount() {
  const book = new LedgerBook();
  const account = book.add({
    id: 'org:a',
    kind: 'organization',
    organizationId: 'a',
    programId: null,
    floorMicro: 0,
    debitsPostedMicro: 0,
    creditsPostedMicro: 1_000,
    debitsPendingMicro: 0,
    creditsPendingMicro: 0,
    expiresAt: null,
    closedAt: null,
    createdAt: '2027-03-01T12:00:00.000Z',
  });
  return { book, account };
}

describe('LedgerBook', () => {
  it('reserves what the account can cover down to its floor, and no more', () => {
    const { book, account } = bookWithAccount();
    assert.equal(book.reserve(account, 600), true);
    assert.equal(book.reserve(account, 401), false);
    assert.equal(book.available(account), 400);
  });

  it('refuses a negative or fractional reservation as a broken invariant, reserving nothing', () => {
    const { book, account } = bookWithAccount();
    // Taken, a reservation of -500 would let the account spend 1,500 from a balance of 1,000.
    for (const amountMicro of [-500, 0.5, Number.NaN]) {
      assert.throws(() => book.reserve(account, amountMicro), {
        name: 'InvariantViolation',
        message: 'a reservation is a whole, non-negative amount',
      });
    }
    assert.equal(account.reservedMicro, 0);
    assert.equal(book.available(account), 1_000);
  });
});
