import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkNoNulInJson, checkNoNulInUrl } from './check-no-nul.js';

const refused = (check: () => void) => {
  try {
    check();
    return false;
  } catch {
    return true;
  }
};

test('a JSON text is refused exactly when a string it holds has a NUL character', () => {
  const strings = fc.string({ unit: fc.constantFrom('a', '\\', '"', 'u', '0', '\u0000', '\u0001') });
  fc.assert(
    fc.property(fc.dictionary(strings, fc.oneof(strings, fc.array(strings))), (value) => {
      const holdsNul = Object.entries(value)
        .flat(2)
        .some((text) => text.includes('\u0000'));
      assert.equal(
        refused(() => checkNoNulInJson(JSON.stringify(value))),
        holdsNul,
      );
    }),
    { seed: 16, numRuns: 500 },
  );
  assert.equal(
    refused(() => checkNoNulInJson('{"a":"\\\\u0000"}')),
    false,
    'an escaped backslash, then u0000',
  );
  assert.equal(
    refused(() => checkNoNulInJson('{"a":"\\\\\\u0000"}')),
    true,
    'an escaped backslash, then a NUL',
  );
});

test('a URL with %00 anywhere is refused; other escapes are left to the routes', () => {
  assert.equal(
    refused(() => checkNoNulInUrl('/admin/v1/orgs/%00/policy')),
    true,
  );
  assert.equal(
    refused(() => checkNoNulInUrl('/admin/v1/usage?organizationId=a%00b')),
    true,
  );
  assert.equal(
    refused(() => checkNoNulInUrl('/admin/v1/orgs/%2500')),
    false,
    'an encoded percent sign',
  );
  assert.equal(
    refused(() => checkNoNulInUrl('/v1/models/%FF')),
    false,
  );
});
