import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definedColumns } from './defined-columns.js';

test('undefined fields are left out, null clears, JSON fields are stored as text', () => {
  const patch = { name: 'Frankfurt', city: null, region: undefined, tags: ['a', 'b'], accelerators: null };
  assert.deepEqual(definedColumns(patch, ['tags', 'accelerators']), {
    name: 'Frankfurt',
    city: null,
    tags: '["a","b"]',
    accelerators: null,
  });
});
