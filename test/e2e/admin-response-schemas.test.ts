import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { Ajv } from 'ajv';
import { callAdmin } from '../helpers/admin-client.js';
import { answerShapesBefore } from '../helpers/admin-answer-shapes-before.js';
import { type RecordedAnswer, runResponseScenario } from '../helpers/admin-response-scenario.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { jsonShape } from '../helpers/json-shape.js';

/*
 * Fastify serializes every answer with the schema its route declares: a field the
 * schema lacks is dropped without a word, and a value of another type is coerced. These
 * tests call every route and compare what comes back with what the routes answered
 * before they declared schemas, and with what their schemas say.
 */

interface Operation {
  readonly responses?: Record<string, { readonly content?: Record<string, { readonly schema?: object }> }>;
}
type Document = { readonly paths: Record<string, Record<string, Operation>> };

let fixture: GatewayFixture;
let answers: readonly RecordedAnswer[];
let document: Document;

before(async () => {
  fixture = await startGatewayFixture({ upstreamCount: 2 });
  answers = await runResponseScenario(fixture);
  const answer = await callAdmin(fixture.platform.url, 'GET', '/admin/v1/openapi.json', { token: null });
  assert.equal(answer.status, 200);
  document = answer.body;
});
after(() => fixture.dispose());

const label = (answer: RecordedAnswer) => `${answer.method} ${answer.template} ${answer.status}`;

test('every answer carries the fields, and values of the types, it carried before routes declared schemas', () => {
  const shapes = new Map<string, Set<string>>();
  for (const answer of answers) {
    const shape = shapes.get(label(answer)) ?? new Set<string>();
    if (typeof answer.body === 'string') shape.add(`text: ${answer.body.split('\n')[0]}`);
    else for (const entry of jsonShape(answer.body)) shape.add(entry);
    shapes.set(label(answer), shape);
  }
  const differences: string[] = [];
  for (const [key, before] of Object.entries(answerShapesBefore)) {
    const now = shapes.get(key);
    assert.ok(now !== undefined, `the scenario no longer calls ${key}`);
    // A deployment's smoothed latency is null until its first request since routing last loaded it,
    // which depends on when the scenario's admin changes land: either value keeps the shape.
    if (key === 'GET /deployments/{deploymentId}/status 200') now.delete('routing.firstByteLatencyMs: number');
    const lost = before.filter((entry) => !now.has(entry));
    const gained = [...now].filter((entry) => !before.includes(entry));
    if (lost.length > 0 || gained.length > 0)
      differences.push(`${key}: lost ${lost.join(', ')}; gained ${gained.join(', ')}`);
  }
  assert.deepEqual(differences, []);
});

test('every answer validates against the schema its route declares for its status and content type', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const answer of answers) {
    const operation = document.paths[`/admin/v1${answer.template}`]?.[answer.method.toLowerCase()];
    const mediaType = answer.contentType.split(';')[0] ?? '';
    const schema = operation?.responses?.[String(answer.status)]?.content?.[mediaType]?.schema;
    assert.ok(schema !== undefined, `${label(answer)} declares no schema for ${mediaType}`);
    const validate = ajv.compile(schema);
    assert.ok(validate(answer.body), `${label(answer)}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('every operation declares a success answer with a schema, and the one error shape for its errors', () => {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );
  assert.ok(operations.length >= 70, `only ${operations.length} operations: the walk missed them`);
  const errorSchema = document.paths['/admin/v1/orgs']?.get?.responses?.['401']?.content?.['application/json']?.schema;
  assert.ok(errorSchema !== undefined, 'GET /orgs declares no 401 answer');
  const problems: string[] = [];
  for (const { name, operation } of operations) {
    const statuses = Object.keys(operation.responses ?? {});
    const successes = statuses.filter((status) => /^2\d\d$/.test(status));
    if (successes.length === 0) problems.push(`${name}: no success answer`);
    for (const status of successes) {
      const content = Object.values(operation.responses?.[status]?.content ?? {});
      if (content.length === 0 || content.some((media) => media.schema === undefined))
        problems.push(`${name} ${status}: no schema for its content`);
    }
    for (const status of ['401', '403', '500']) {
      if (!statuses.includes(status)) problems.push(`${name}: no ${status} answer`);
    }
    for (const status of statuses.filter((s) => /^[45]\d\d$/.test(s))) {
      const schema = operation.responses?.[status]?.content?.['application/json']?.schema;
      if (!isDeepStrictEqual(schema, errorSchema)) problems.push(`${name} ${status}: not the error shape`);
    }
  }
  assert.deepEqual(problems, []);
});
