import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CommonwealError } from '../errors/index.js';
import { GroupCommitWriter, openSqliteStore, type Store } from '../store/index.js';
import { Ledger } from './ledger.js';
import { issuanceAccountId } from './ledger-account.js';
import { verifyLedger } from './ledger-verifier.js';

/*
 * Model-based property test: random sequences of transfers, holds, posts, voids,
 * expiries and retries with reused ids run against the real ledger (SQLite, group
 * commit) and against a model of a few lines; after every step both must agree and
 * every invariant must hold.
 */

/** Accounts and their floors: issuance has none, `c` may go 500 into overdraft. */
const floors: Readonly<Record<string, number | null>> = { [issuanceAccountId]: null, a: 0, b: 0, c: -500 };
const accountIds = Object.keys(floors);
/** Few ids, so that retries and collisions are frequent. */
const transferIds = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];

interface ModelHold {
  readonly debit: string;
  readonly credit: string;
  readonly amount: number;
  readonly timeoutAtMs: number;
  resolved: boolean;
}

interface Model {
  nowMs: number;
  readonly balances: Map<string, number>;
  readonly pendingDebits: Map<string, number>;
  readonly pendingCredits: Map<string, number>;
  /** Every transfer id taken, with the content that makes a retry the same. */
  readonly contents: Map<string, string>;
  readonly holds: Map<string, ModelHold>;
}

interface Real {
  readonly ledger: Ledger;
  readonly store: Store;
  readonly clock: { ms: number };
}

const get = (map: Map<string, number>, id: string) => map.get(id) ?? 0;
const add = (map: Map<string, number>, id: string, amount: number) => map.set(id, get(map, id) + amount);

function available(model: Model, id: string): number {
  const floor = floors[id];
  return floor === null || floor === undefined
    ? Number.MAX_SAFE_INTEGER
    : get(model.balances, id) - get(model.pendingDebits, id) - floor;
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof CommonwealError) return error.code;
    throw error;
  }
}

class TransferCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly id: string,
    readonly debit: string,
    readonly credit: string,
    readonly amount: number,
    readonly timeoutMs: number | undefined,
  ) {}

  check(): boolean {
    return this.debit !== this.credit;
  }

  async run(model: Model, real: Real): Promise<void> {
    const type = this.timeoutMs === undefined ? 'single' : 'pending';
    const content = JSON.stringify([type, this.debit, this.credit, this.amount, this.timeoutMs ?? null, null]);
    const got = await outcome(
      real.ledger.transfer({
        id: this.id,
        debitAccountId: this.debit,
        creditAccountId: this.credit,
        amountMicro: this.amount,
        code: 'transfer',
        timeoutMs: this.timeoutMs,
      }),
    );
    let expected = 'ok';
    const taken = model.contents.get(this.id);
    if (taken !== undefined) expected = taken === content ? 'ok' : 'idempotency_conflict';
    else if (this.amount > available(model, this.debit)) expected = 'insufficient_credits';
    else {
      model.contents.set(this.id, content);
      if (type === 'single') {
        add(model.balances, this.debit, -this.amount);
        add(model.balances, this.credit, this.amount);
      } else {
        add(model.pendingDebits, this.debit, this.amount);
        add(model.pendingCredits, this.credit, this.amount);
        model.holds.set(this.id, {
          debit: this.debit,
          credit: this.credit,
          amount: this.amount,
          timeoutAtMs: model.nowMs + this.timeoutMs!,
          resolved: false,
        });
      }
    }
    assert.equal(got, expected, this.toString());
    await checkInvariants(model, real);
  }

  toString(): string {
    return `${this.timeoutMs === undefined ? 'transfer' : `hold(${this.timeoutMs}ms)`} ${this.id}: ${this.debit}→${this.credit} ${this.amount}`;
  }
}

class ResolveCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pendingId: string,
    readonly id: string,
    readonly post: boolean,
    readonly amount: number | undefined,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, real: Real): Promise<void> {
    const call = this.post
      ? real.ledger.post(this.pendingId, { id: this.id, amountMicro: this.amount })
      : real.ledger.void(this.pendingId, { id: this.id });
    const got = await outcome(call);
    const hold = model.holds.get(this.pendingId);
    const amount = this.post ? (this.amount ?? hold?.amount ?? 0) : 0;
    const content = JSON.stringify([
      this.post ? 'post_pending' : 'void_pending',
      hold?.debit,
      hold?.credit,
      amount,
      null,
      this.pendingId,
    ]);
    const taken = model.contents.get(this.id);
    let expected = 'ok';
    if (hold === undefined) expected = 'not_found';
    else if (taken !== undefined) expected = taken === content ? 'ok' : 'idempotency_conflict';
    else if (hold.resolved) expected = 'conflict';
    else if (amount > hold.amount) expected = 'invalid_request';
    else if (this.post && model.nowMs >= hold.timeoutAtMs) expected = 'conflict';
    else {
      model.contents.set(this.id, content);
      hold.resolved = true;
      add(model.pendingDebits, hold.debit, -hold.amount);
      add(model.pendingCredits, hold.credit, -hold.amount);
      add(model.balances, hold.debit, -amount);
      add(model.balances, hold.credit, amount);
    }
    assert.equal(got, expected, this.toString());
    await checkInvariants(model, real);
  }

  toString(): string {
    return `${this.post ? 'post' : 'void'} ${this.pendingId} as ${this.id}${this.amount === undefined ? '' : ` for ${this.amount}`}`;
  }
}

class ExpireCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly advanceMs: number) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, real: Real): Promise<void> {
    model.nowMs += this.advanceMs;
    real.clock.ms = model.nowMs;
    const expired = await real.ledger.expireHolds();
    let expected = 0;
    for (const [id, hold] of model.holds) {
      if (hold.resolved || hold.timeoutAtMs > model.nowMs) continue;
      expected += 1;
      hold.resolved = true;
      model.contents.set(`${id}:expired`, 'expiry');
      add(model.pendingDebits, hold.debit, -hold.amount);
      add(model.pendingCredits, hold.credit, -hold.amount);
    }
    assert.equal(expired, expected, this.toString());
    await checkInvariants(model, real);
  }

  toString(): string {
    return `advance ${this.advanceMs}ms and expire`;
  }
}

async function checkInvariants(model: Model, real: Real): Promise<void> {
  const accounts = real.ledger.accounts().filter((a) => accountIds.includes(a.id));
  let sum = 0;
  for (const account of accounts) {
    sum += account.balanceMicro;
    assert.equal(account.balanceMicro, get(model.balances, account.id), `balance of ${account.id}`);
    assert.equal(account.debitsPendingMicro, get(model.pendingDebits, account.id), `pending debits of ${account.id}`);
    assert.equal(
      account.creditsPendingMicro,
      get(model.pendingCredits, account.id),
      `pending credits of ${account.id}`,
    );
    const floor = floors[account.id];
    if (floor !== null && floor !== undefined)
      assert.ok(account.balanceMicro - account.debitsPendingMicro >= floor, `${account.id} below its floor`);
  }
  assert.equal(sum, 0, 'the balances sum to zero');
  // The database agrees with memory, and each hold has at most one resolution.
  const verification = await verifyLedger(real.store.db, model.nowMs, Number.MAX_SAFE_INTEGER / 2);
  assert.deepEqual(verification.problems, []);
  const stored = await real.store.db.selectFrom('ledgerAccounts').selectAll().execute();
  for (const row of stored) {
    const account = accounts.find((a) => a.id === row.id);
    if (account === undefined) continue;
    assert.equal(row.creditsPostedMicro - row.debitsPostedMicro, account.balanceMicro, `stored balance of ${row.id}`);
  }
}

const accountArb = fc.constantFrom(...accountIds);
const idArb = fc.constantFrom(...transferIds);
const amountArb = fc.integer({ min: 0, max: 1_500 });
const commands = [
  fc
    .tuple(idArb, accountArb, accountArb, amountArb)
    .map(([id, d, c, a]) => new TransferCommand(id, d, c, a, undefined)),
  fc
    .tuple(idArb, accountArb, amountArb)
    .map(([id, c, a]) => new TransferCommand(id, issuanceAccountId, c, a, undefined)),
  fc
    .tuple(idArb, accountArb, accountArb, amountArb, fc.integer({ min: 1, max: 10_000 }))
    .map(([id, d, c, a, t]) => new TransferCommand(id, d, c, a, t)),
  fc
    .tuple(idArb, idArb, fc.boolean(), fc.option(amountArb, { nil: undefined }))
    .map(([p, id, post, a]) => new ResolveCommand(p, id, post, a)),
  fc.integer({ min: 0, max: 12_000 }).map((ms) => new ExpireCommand(ms)),
];

test('random transfers, holds, posts, voids, expiries and retries keep every ledger invariant', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
      const store = await openSqliteStore(':memory:');
      const writer = new GroupCommitWriter(store, { flushIntervalMs: 0 });
      const clock = { ms: Date.parse('2027-01-01T00:00:00Z') };
      try {
        const ledger = await Ledger.open(store, writer, { now: () => clock.ms });
        for (const id of accountIds) {
          if (id !== issuanceAccountId)
            await ledger.openAccount({ id, kind: 'organization', organizationId: id, floorMicro: floors[id] ?? 0 });
        }
        const model: Model = {
          nowMs: clock.ms,
          balances: new Map(),
          pendingDebits: new Map(),
          pendingCredits: new Map(),
          contents: new Map(),
          holds: new Map(),
        };
        await fc.asyncModelRun(() => ({ model, real: { ledger, store, clock } }), cmds);
      } finally {
        await writer.close();
        await store.close();
      }
    }),
    { numRuns: 100 },
  );
});
