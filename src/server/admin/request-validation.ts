import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { patternExpectation } from '../../config/index.js';
import { CommonwealError } from '../../errors/index.js';

/*
 * Bodies are validated strictly: no type coercion (a price sent as "5" is an error,
 * not 5) and unknown fields are refused rather than silently dropped, so a typo never
 * becomes a silently ignored setting. Query strings and path parameters are text by
 * nature, so they are coerced.
 */
// verbose: an error carries the schema it failed, whose words replace a pattern's regular expression.
const shared = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false, verbose: true } as const;
const bodyAjv = new Ajv({ ...shared, coerceTypes: false });
const textAjv = new Ajv({ ...shared, coerceTypes: true });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);

function fieldPath(context: string, error: FastifySchemaValidationError): string {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (context === 'body') return path;
  // An error at the root of the query string names the part itself, not "querystring." with a dangling dot.
  return path ? `${context}.${path}` : context;
}

/** Turns Ajv's first error into one clear message that names the field. */
export function validationError(context: string, errors: readonly FastifySchemaValidationError[]): CommonwealError {
  const first = errors[0];
  if (first === undefined) return new CommonwealError('invalid_request', `invalid ${context}`);
  const path = fieldPath(context, first);
  const params = first.params as ErrorObject['params'];
  if (first.keyword === 'additionalProperty' || first.keyword === 'additionalProperties') {
    const field = path ? `${path}.${String(params.additionalProperty)}` : String(params.additionalProperty);
    return new CommonwealError('unknown_field', `unknown field "${field}" in ${context}`, { param: field });
  }
  if (first.keyword === 'required') {
    const field = path ? `${path}.${String(params.missingProperty)}` : String(params.missingProperty);
    return new CommonwealError('invalid_request', `missing required field "${field}" in ${context}`, { param: field });
  }
  const where = path || context;
  const message = first.keyword === 'pattern' ? patternMessage(first) : (first.message ?? 'is invalid');
  return new CommonwealError('invalid_request', `${where} ${message}`, path ? { param: path } : {});
}

/** What a pattern asks for, in words: Ajv's own message quotes the regular expression. */
function patternMessage(error: FastifySchemaValidationError): string {
  const expected = patternExpectation((error as { parentSchema?: unknown }).parentSchema);
  return expected === undefined ? 'is not in the form this field takes' : `must be ${expected}`;
}
