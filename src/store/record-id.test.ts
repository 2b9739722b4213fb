import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newTimeOrderedId } from './record-id.js';

describe('newTimeOrderedId', () => {
  it('is the prefix and 32 lowercase hex digits, unique every time', () => {
    const ids = Array.from({ length: 10_000 }, () => newTimeOrderedId('req'));
    for (const id of ids) assert.match(id, /^req_[0-9a-f]{32}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('starts with the time, so that a later id sorts after an earlier one', async () => {
    const before = Date.now();
    const first = newTimeOrderedId('req');
    await sleep(5);
    const second = newTimeOrderedId('req');
    assert.ok(first < second, `${first} should sort before ${second}`);
    const stamped = Number.parseInt(first.slice(4, 16), 16);
    assert.ok(stamped >= before && stamped <= Date.now(), `time ${stamped} is not the time the id was made`);
  });
});
