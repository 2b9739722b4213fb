import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OptionBounds, resolveBoundedOptions } from './resolve-bounded-options.js';

interface PoolOptions {
  readonly sizeMax: number;
  readonly delayMs: number;
}

const defaults: PoolOptions = Object.freeze({ sizeMax: 4, delayMs: 0 });
const bounds: OptionBounds<PoolOptions> = Object.freeze({ sizeMax: [1, 8], delayMs: [0, 100] });
const resolve = (options: Partial<PoolOptions>) => resolveBoundedOptions('pool option', defaults, bounds, options);

describe('resolveBoundedOptions', () => {
  it('keeps the given values and fills in the defaults of those left out or undefined', () => {
    assert.deepEqual(resolve({ sizeMax: 8 }), { sizeMax: 8, delayMs: 0 });
    assert.deepEqual(resolve({ sizeMax: undefined, delayMs: 100 }), { sizeMax: 4, delayMs: 100 });
  });

  it('freezes the result and leaves the defaults untouched', () => {
    const resolved = resolve({ delayMs: 5 });
    assert.ok(Object.isFrozen(resolved));
    assert.notEqual(resolved, defaults);
    assert.equal(defaults.delayMs, 0);
  });

  it('refuses a value below, above or between the integers of its range, naming it', () => {
    assert.throws(() => resolve({ sizeMax: 0 }), {
      name: 'RangeError',
      message: 'pool option sizeMax must be an integer from 1 to 8, got 0',
    });
    const delayMessage = (got: string) => `pool option delayMs must be an integer from 0 to 100, got ${got}`;
    assert.throws(() => resolve({ delayMs: 101 }), { message: delayMessage('101') });
    assert.throws(() => resolve({ delayMs: 1.5 }), { message: delayMessage('1.5') });
    assert.throws(() => resolve({ sizeMax: Number.NaN }), { message: /sizeMax must be .* got NaN$/ });
  });
});
