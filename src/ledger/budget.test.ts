import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { type Budget, budgetWindow } from './budget.js';
import { BudgetBook } from './budget-book.js';
import { tokenCostMicro } from './token-cost.js';

const budget = (overrides: Partial<Budget>): Budget => ({
  object: 'budget',
  id: 'b1',
  organizationId: 'o',
  scope: 'organization',
  scopeId: 'o',
  period: 'day',
  startsAt: null,
  endsAt: null,
  limitMicro: 1_000,
  createdAt: '2027-01-01T00:00:00.000Z',
  ...overrides,
});
const subject = { organizationId: 'o', projectId: 'p', apiKeyId: 'k' };

test('budget periods are UTC days, UTC months, or a fixed window that is open only between its dates', () => {
  const at = Date.parse('2027-02-28T23:59:59.999Z');
  assert.deepEqual(budgetWindow(budget({ period: 'day' }), at), {
    key: '2027-02-28',
    startMs: Date.parse('2027-02-28T00:00:00Z'),
    endMs: Date.parse('2027-03-01T00:00:00Z'),
  });
  assert.deepEqual(budgetWindow(budget({ period: 'month' }), at), {
    key: '2027-02',
    startMs: Date.parse('2027-02-01T00:00:00Z'),
    endMs: Date.parse('2027-03-01T00:00:00Z'),
  });
  const window = budget({ period: 'window', startsAt: '2027-03-01T00:00:00.000Z', endsAt: '2027-04-01T00:00:00.000Z' });
  assert.equal(budgetWindow(window, at), undefined);
  assert.equal(budgetWindow(window, Date.parse('2027-03-15T00:00:00Z'))?.key, 'window');
});

test('concurrent reservations cannot together exceed a budget; settling counts the charge, not the hold', () => {
  const book = new BudgetBook();
  const now = Date.parse('2027-01-10T12:00:00Z');
  book.add(budget({}), 100, '2027-01-10');
  const first = book.reserve(subject, 600, now);
  assert.throws(
    () => book.reserve(subject, 301, now),
    (e: unknown) => e instanceof CommonwealError && e.code === 'budget_exceeded',
  );
  const second = book.reserve(subject, 300, now);
  first?.settle(50, now);
  second?.release();
  assert.deepEqual(book.usage('o', 'b1', now), { spentMicro: 150, reservedMicro: 0 });
  assert.deepEqual(
    book.usage('o', 'b1', now + 86_400_000),
    { spentMicro: 0, reservedMicro: 0 },
    'a new day starts at zero',
  );
});

test('a budget of another project or key does not apply', () => {
  const book = new BudgetBook();
  book.add(budget({ scope: 'project', scopeId: 'other', limitMicro: 0 }), 0, '2027-01-10');
  assert.equal(book.reserve(subject, 500, Date.parse('2027-01-10T12:00:00Z')), null);
});

test('token costs round up to a whole micro-credit and stay exact past 2^53 intermediate products', () => {
  assert.equal(tokenCostMicro({ inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 }, 1, 0), 1);
  assert.equal(
    tokenCostMicro({ inputPriceMicroPerMtok: 150_000, outputPriceMicroPerMtok: 600_000 }, 1_000_000, 1_000_000),
    750_000,
  );
  assert.equal(
    tokenCostMicro({ inputPriceMicroPerMtok: 9_000_000_000, outputPriceMicroPerMtok: 0 }, 2_000_000, 0),
    18_000_000_000,
  );
  assert.equal(
    tokenCostMicro({ inputPriceMicroPerMtok: 0, outputPriceMicroPerMtok: 2_000_000 }, 0, Number.MAX_SAFE_INTEGER),
    Number.MAX_SAFE_INTEGER,
    'saturates, so the hold is refused',
  );
});

test('the fast path of token costs agrees with exact bigint arithmetic', () => {
  const exact = (p: number, c: number, pin: number, pout: number) =>
    Number((BigInt(p) * BigInt(pin) + BigInt(c) * BigInt(pout) + 999_999n) / 1_000_000n);
  let seed = 42;
  const next = (max: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % max;
  for (let i = 0; i < 10_000; i++) {
    const [p, c, pin, pout] = [next(2_000_000), next(200_000), next(50_000_000), next(100_000_000)];
    assert.equal(
      tokenCostMicro({ inputPriceMicroPerMtok: pin, outputPriceMicroPerMtok: pout }, p, c),
      exact(p, c, pin, pout),
    );
  }
});
