import { Type } from '@sinclair/typebox';
import { pageLimitDefault, pageLimitMax } from '../../store/index.js';

/** Client-chosen ids: short, URL-safe, starting with a letter or digit. */
export const RecordId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
export const CountryCode = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code' });
/** Display text: no control characters, which PostgreSQL refuses (NUL) and terminals misprint. */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 date-time with a zone, e.g. 2027-01-31T00:00:00Z',
});

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: pageLimitMax, default: pageLimitDefault }),
    after: Type.Optional(Type.String({ maxLength: 200, description: 'return items whose id sorts after this one' })),
  },
  { additionalProperties: false },
);

export const Deleted = Type.Object({ id: Type.String(), object: Type.String(), deleted: Type.Boolean() });

export function deleted(object: string, id: string): { id: string; object: string; deleted: true } {
  return { id, object, deleted: true };
}
