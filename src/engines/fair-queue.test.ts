import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairQueue, QueueFullError } from './fair-queue.js';

const open = () => new AbortController().signal;

describe('FairQueue', () => {
  it('admits up to its slots at once and the rest in arrival order', async () => {
    const queue = new FairQueue(2, 10);
    const first = await queue.acquire(open());
    const second = await queue.acquire(open());
    const order: number[] = [];
    const waiting = [3, 4, 5].map((n) => queue.acquire(open()).then((release) => (order.push(n), release)));
    assert.equal(queue.running, 2);
    assert.equal(queue.waiting, 3);
    first();
    const third = await waiting[0]!;
    second();
    third();
    for (const release of await Promise.all(waiting.slice(1))) release();
    assert.deepEqual(order, [3, 4, 5]);
    assert.equal(queue.running, 0);
    assert.equal(queue.waiting, 0);
  });

  it('refuses at once when waitingMax callers already wait', async () => {
    const queue = new FairQueue(1, 1);
    const held = await queue.acquire(open());
    const waiter = queue.acquire(open());
    await assert.rejects(queue.acquire(open()), QueueFullError);
    held();
    (await waiter)();
    assert.equal(queue.running, 0);
  });

  it('passes a freed slot to the next waiter, not to a newcomer', async () => {
    const queue = new FairQueue(1, 5);
    const held = await queue.acquire(open());
    let waiterGotIt = false;
    const waiter = queue.acquire(open()).then((release) => ((waiterGotIt = true), release));
    held();
    let newcomerGotIt = false;
    const newcomer = queue.acquire(open()).then((release) => ((newcomerGotIt = true), release));
    // Whichever holds the one slot resolves; the other waits for it.
    await Promise.race([waiter, newcomer]);
    assert.deepEqual([waiterGotIt, newcomerGotIt], [true, false]);
    (await waiter)();
    (await newcomer)();
  });

  it("lets an aborted waiter leave the line with the signal's reason", async () => {
    const queue = new FairQueue(1, 5);
    const held = await queue.acquire(open());
    const controller = new AbortController();
    const leaving = queue.acquire(controller.signal);
    const staying = queue.acquire(open());
    const reason = new Error('client left');
    controller.abort(reason);
    await assert.rejects(leaving, (error) => error === reason);
    assert.equal(queue.waiting, 1);
    held();
    (await staying)();
    assert.equal(queue.running, 0);
  });

  it('gives a slot back once however often release is called', async () => {
    const queue = new FairQueue(1, 0);
    const release = await queue.acquire(open());
    release();
    release();
    assert.equal(queue.running, 0);
    const again = await queue.acquire(open());
    await assert.rejects(queue.acquire(open()), QueueFullError);
    again();
  });

  it("takes turns between tenants: one tenant's burst does not hold another's request back", async () => {
    const queue = new FairQueue(1, 10);
    const held = await queue.acquire(open(), 'a');
    const order: string[] = [];
    const waiting = [
      ['a', 'a1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['b', 'b1'],
      ['c', 'c1'],
    ].map(([tenant, name]) =>
      queue.acquire(open(), tenant).then((release) => {
        order.push(name!);
        release();
      }),
    );
    held();
    await Promise.all(waiting);
    assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'a3']);
    assert.equal(queue.running, 0);
    assert.equal(queue.waiting, 0);
  });

  it("gives a full line's place to a tenant with fewer waiters, refusing the busiest tenant's newest", async () => {
    const queue = new FairQueue(1, 3);
    const held = await queue.acquire(open(), 'a');
    const a = [queue.acquire(open(), 'a'), queue.acquire(open(), 'a'), queue.acquire(open(), 'a')];
    const b1 = queue.acquire(open(), 'b');
    await assert.rejects(a[2]!, QueueFullError);
    assert.equal(queue.waiting, 3);
    // Now a has 2 waiting and b 1: neither b nor a gains by another swap.
    await assert.rejects(queue.acquire(open(), 'b'), QueueFullError);
    await assert.rejects(queue.acquire(open(), 'a'), QueueFullError);
    held();
    (await a[0]!)();
    (await b1)();
    (await a[1]!)();
    assert.equal(queue.running, 0);
    assert.equal(queue.waiting, 0);
  });
});
