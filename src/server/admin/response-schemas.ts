import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import { errorCodeInfo, type ErrorCode } from '../../errors/index.js';

/*
 * Building blocks of the answers' schemas. Fastify serializes each answer with its
 * route's schema, which drops any field the schema does not list: a schema here must
 * name every field its route returns (test/e2e/admin-response-schemas.test.ts checks).
 */

export function Nullable<T extends TSchema>(schema: T) {
  // OpenAPI 3.0 writes this as `nullable`, which does not let null past an enum unless the enum lists it.
  const inner = Array.isArray(schema.enum) ? { ...schema, enum: [...schema.enum, null] } : schema;
  return Type.Union([inner, Type.Null()]);
}

/** One of a closed list of words, as a plain string enum: a union type for clients, one cheap check for the server. */
export function StringEnum<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

export const Instant = Type.String({ description: 'ISO 8601 date-time, UTC' });
export const Micro = Type.Integer({ description: 'micro-credits (1 credit = 1,000,000)' });

/** A closed object: every field listed, none other. */
export function Closed<T extends Parameters<typeof Type.Object>[0]>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

/** A page of a list that pages by cursor: `after` takes `last_id` for the next page. */
export function PageOf<T extends TSchema>(item: T) {
  return Closed({
    object: Type.Literal('list'),
    data: Type.Array(item),
    first_id: Nullable(Type.String()),
    last_id: Nullable(Type.String()),
    has_more: Type.Boolean(),
  });
}

/** A whole list in one answer, for lists short enough not to page. */
export function ListOf<T extends TSchema>(item: T) {
  return Closed({ object: Type.Literal('list'), data: Type.Array(item) });
}

/** The same schema with a description of its own, for one status of a route. */
export function described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

export const DeletedSchema = Closed({ id: Type.String(), object: Type.String(), deleted: Type.Literal(true) });

const errorCodes = Object.keys(errorCodeInfo) as ErrorCode[];

/** Every error of the API: the OpenAI error shape, with a code from docs/errors.md. */
export const ErrorSchema = Closed(
  {
    error: Closed({
      message: Type.String(),
      type: Type.String({ description: 'the OpenAI error type, e.g. invalid_request_error' }),
      param: Nullable(Type.String({ description: 'the field at fault' })),
      code: StringEnum(errorCodes, 'stable; see docs/errors.md'),
    }),
  },
  'an error, in the OpenAI error shape',
);

/**
 * What any admin route may answer besides its success: a malformed path or query (400),
 * no valid token (401), a key that may not do this (403), an unexpected failure (500)
 * and a server shutting down (503).
 */
const alwaysStatuses = [400, 401, 403, 500, 503] as const;
type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 409 | 413 | 500 | 503;

/** A route's responses: its success answers and the error shape for every error status it can give. */
export function responses(
  success: Readonly<Record<number, object>>,
  ...errorStatuses: readonly ErrorStatus[]
): Readonly<Record<number, object>> {
  const errors = Object.fromEntries([...alwaysStatuses, ...errorStatuses].map((status) => [status, ErrorSchema]));
  return { ...errors, ...success };
}

/** A success answer in JSON or, when the query asks `format=csv`, as a CSV table. */
export function jsonOrCsv(json: TSchema): object {
  return {
    description: 'JSON, or a CSV table with format=csv',
    content: {
      'application/json': { schema: json },
      'text/csv': { schema: Type.String({ description: 'RFC 4180, a header line first' }) },
    },
  };
}
