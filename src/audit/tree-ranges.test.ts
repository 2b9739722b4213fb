import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CompactRange } from './compact-range.js';
import { leafHash } from './merkle-hash.js';
import { lastLeafOf } from './tree-ranges.js';

/*
 * The store keeps a node's hash on the row of its last leaf, placed by its level; the
 * last leaf must be exact up to the largest safe index, and the nodes an append completes
 * must all end at the appended leaf, which is what lets that leaf's row carry them all.
 */

test("a node's last leaf is exact up to indices near 2^53", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.nat(), (level, seed) => {
      const index = seed % Math.floor(Number.MAX_SAFE_INTEGER / 2 ** (level + 1));
      const node = { level, index };
      const last = lastLeafOf(node);
      assert.ok(Number.isSafeInteger(last));
      // The subtree covers leaves [index·2^level, (index+1)·2^level): its last leaf is the end of that range, minus one.
      assert.equal(last, (index + 1) * 2 ** level - 1);
    }),
  );
});

test('every node an append completes ends at the appended leaf', () => {
  const range = new CompactRange(0, []);
  for (let leaf = 0; leaf < 300; leaf += 1) {
    const completed = range.append(leafHash(Buffer.from(`leaf ${leaf}`)));
    assert.deepEqual(
      completed.map((node) => lastLeafOf(node)),
      completed.map(() => leaf),
      `leaf ${leaf}`,
    );
  }
});
