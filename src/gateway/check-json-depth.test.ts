import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CommonwealError } from '../errors/index.js';
import { checkJsonDepth, jsonDepthMax } from './check-json-depth.js';

/** The oracle: the depth of a parsed value, walked without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const inner of Object.values(item)) stack.push([inner, depth + 1]);
  }
  return deepest;
}

function refuses(text: string): boolean {
  try {
    checkJsonDepth(text);
    return false;
  } catch (error) {
    assert.ok(error instanceof CommonwealError && error.code === 'invalid_request', String(error));
    assert.match(error.message, new RegExp(`${jsonDepthMax} levels`));
    return true;
  }
}

function nested(depth: number, inner = '1'): string {
  return `${'{"a":['.repeat(depth / 2)}${inner}${']}'.repeat(depth / 2)}`;
}

test('JSON text is refused exactly when its nesting is deeper than the bound', () => {
  const deepValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(tie('value'), { maxLength: 2 }),
      fc.dictionary(fc.string(), tie('value'), { maxKeys: 2 }),
    ),
  })).value;
  const wrapped = fc.tuple(deepValue, fc.integer({ min: 0, max: jsonDepthMax + 4 })).map(([value, extra]) => {
    let wrappedValue: unknown = value;
    for (let i = 0; i < extra; i++) wrappedValue = i % 2 === 0 ? [wrappedValue] : { '[{"\\': wrappedValue };
    return wrappedValue;
  });
  fc.assert(
    fc.property(wrapped, (value) => {
      assert.equal(refuses(JSON.stringify(value)), depthOf(value) > jsonDepthMax);
    }),
    { seed: 16, numRuns: 500 },
  );
});

test('brackets and escaped quotes inside strings do not count', () => {
  assert.equal(refuses(JSON.stringify({ text: '['.repeat(10_000) })), false);
  assert.equal(refuses(JSON.stringify({ text: `\\"${'{'.repeat(10_000)}` })), false);
  assert.equal(refuses(nested(jsonDepthMax)), false);
  assert.equal(refuses(nested(jsonDepthMax + 2)), true);
});

test('a body nested 100,000 deep is refused without a stack overflow', () => {
  assert.equal(refuses('['.repeat(100_000) + ']'.repeat(100_000)), true);
});
