import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedOption, integerOption, listOption } from './options.js';

describe('benchmark options', () => {
  it('takes a number within its bounds and refuses anything else, naming the option', () => {
    assert.equal(boundedOption('seconds', '2.5', 1, 60), 2.5);
    assert.throws(() => boundedOption('seconds', '61', 1, 60), /--seconds must be from 1 to 60, got 61/);
    assert.throws(() => boundedOption('seconds', 'ten', 1, 60), /--seconds/);
    assert.throws(() => boundedOption('seconds', '', 1, 60), /--seconds/);
  });

  it('takes a whole number within its bounds and refuses a fraction', () => {
    assert.equal(integerOption('gateway-rounds', '6', 1, 50), 6);
    assert.throws(
      () => integerOption('gateway-rounds', '2.5', 1, 50),
      /--gateway-rounds must be a whole number, got 2.5/,
    );
    assert.throws(() => integerOption('gateway-rounds', '0', 1, 50), /--gateway-rounds must be from 1 to 50/);
  });

  it('takes a list of known items and names the choices for an unknown one', () => {
    assert.deepEqual(listOption('modes', 'json,stream', ['json', 'stream']), ['json', 'stream']);
    assert.throws(() => listOption('modes', 'json,sse', ['json', 'stream']), /unknown "sse"; choose from json, stream/);
  });
});
