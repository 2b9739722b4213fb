import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlatformFile } from './read-platform-file.js';

const header = 'apiVersion: commonweal/v1\nkind: Platform\n';

function refusal(text: string, name = 'p.yaml'): string {
  try {
    parsePlatformFile(text, name);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the file was accepted');
}

test('a file with only its header declares nothing, in YAML or JSON', () => {
  assert.deepEqual(parsePlatformFile(header, 'p.yaml'), { apiVersion: 'commonweal/v1', kind: 'Platform' });
  const json = '{"apiVersion": "commonweal/v1", "kind": "Platform", "sites": []}';
  assert.deepEqual(parsePlatformFile(json, 'p.json').sites, []);
});

test('what is wrong is named by its path in the file', () => {
  assert.equal(refusal('kind: Platform\n'), 'p.yaml: missing required field "apiVersion"');
  assert.equal(refusal('apiVersion: commonweal/v2\nkind: Platform\n'), 'p.yaml: apiVersion must be "commonweal/v1"');
  assert.equal(refusal(`${header}site: []\n`), 'p.yaml: unknown field "site"');
  assert.equal(
    refusal(`${header}models:\n  - id: m\n    inputPriceMicroPerMtok: 1\n    outputPriceMicroPerMtok: "2"\n`),
    'p.yaml: models.0.outputPriceMicroPerMtok must be integer',
  );
  assert.equal(
    refusal(`${header}organizations:\n  - { name: A, homeJurisdiction: DE }\n`),
    'p.yaml: missing required field "organizations.0.id"',
    'an id the server would generate could not be found again',
  );
  assert.equal(
    refusal(`${header}budgets:\n  - { organizationId: a, scope: key, scopeId: k, period: day, limitMicro: 1 }\n`),
    'p.yaml: budgets.0.scope must be one of "organization", "project"',
  );
});

test('two items with one key, a syntax error and a repeated YAML key are refused', () => {
  assert.equal(
    refusal(
      `${header}projects:\n  - { organizationId: a, id: p, name: P }\n  - { organizationId: a, id: p, name: Q }\n`,
    ),
    'p.yaml: projects.1 declares a/p again (projects.0 already does)',
  );
  assert.doesNotThrow(() =>
    parsePlatformFile(
      `${header}projects:\n  - { organizationId: a, id: p, name: P }\n  - { organizationId: b, id: p, name: P }\n`,
      'p.yaml',
    ),
  );
  assert.match(refusal(`${header}sites: [\n`), /^p\.yaml is not valid YAML: /);
  assert.match(refusal(`${header}kind: Platform\n`), /^p\.yaml is not valid YAML: .*[Mm]ap keys must be unique/);
  assert.match(refusal('{"apiVersion": ', 'p.json'), /^p\.json is not valid JSON: /);
});
