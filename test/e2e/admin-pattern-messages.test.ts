import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { startTempPlatform, type TempPlatform } from '../helpers/temp-platform.js';

/*
 * A value that does not match a field's pattern is refused in words ("must be an ISO
 * 3166-1 alpha-2 country code in capitals, such as DE"), never with the regular
 * expression Ajv would quote.
 */

let platform: TempPlatform;
const createOrganization = (body: unknown) => callAdmin(platform.url, 'POST', '/admin/v1/orgs', { body });
before(async () => {
  platform = await startTempPlatform();
});
after(async () => platform.dispose());

/** Every schema object in a document, with where it is, for the ones that carry a pattern. */
function* patternSchemas(node: unknown, where: string): Generator<[string, Record<string, unknown>]> {
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.pattern === 'string') yield [where, record];
  for (const [key, child] of Object.entries(record)) yield* patternSchemas(child, `${where}/${key}`);
}

test('every pattern in the admin API says in words what it expects', async () => {
  const document = await callAdmin(platform.url, 'GET', '/admin/v1/openapi.json', { token: null });
  assert.equal(document.status, 200);
  const found = [...patternSchemas(document.body.paths, '')];
  assert.ok(found.length >= 10, `only ${found.length} patterns found: the walk missed the schemas`);
  const bare = found.filter(([, schema]) => typeof schema['x-expected'] !== 'string').map(([where]) => where);
  assert.deepEqual(bare, [], 'patterns without x-expected');
});

test('a value that does not match a pattern is refused in words, naming the field', async () => {
  const refusals: [string, Awaited<ReturnType<typeof callAdmin>>, RegExp][] = [
    [
      'a country name for a country code',
      await createOrganization({ name: 'A', homeJurisdiction: 'Germany' }),
      /^homeJurisdiction must be an ISO 3166-1 alpha-2 country code in capitals, such as DE$/,
    ],
    [
      'a word for a date',
      await callAdmin(platform.url, 'GET', '/admin/v1/usage?since=yesterday'),
      /^querystring\.since must be an ISO 8601 date such as 2027-01-31, or a date-time with a zone/,
    ],
    [
      'an id with a space',
      await createOrganization({ id: 'no way', name: 'x', homeJurisdiction: 'DE' }),
      /^id must be an id of 1 to 64 letters, digits/,
    ],
    [
      'a line break in a name',
      await createOrganization({ name: 'two\nlines', homeJurisdiction: 'DE' }),
      /^name must be text without control characters/,
    ],
  ];
  for (const [what, answer, message] of refusals) {
    assert.equal(answer.status, 400, what);
    assert.equal(answer.body.error.code, 'invalid_request', what);
    assert.match(answer.body.error.message, message, what);
    assert.doesNotMatch(answer.body.error.message, /pattern|\^|\$/, what);
  }
});
