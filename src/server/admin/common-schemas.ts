import { type TString, Type } from '@sinclair/typebox';
import { patternString } from '../../config/index.js';
import { pageLimitDefault, pageLimitMax } from '../../store/index.js';

/** Client-chosen ids: short, URL-safe, starting with a letter or digit. */
export const RecordId = patternString(
  '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  'an id of 1 to 64 letters, digits, ".", "_" or "-" that starts with a letter or digit, such as main',
);
export const CountryCode = patternString('^[A-Z]{2}$', 'an ISO 3166-1 alpha-2 country code in capitals, such as DE', {
  description: 'ISO 3166-1 alpha-2 country code',
});

/** Display text: no control characters, which PostgreSQL refuses (NUL) and terminals misprint. */
export function plainText(lengthMax: number): TString {
  const expected = 'text without control characters such as line breaks or tabs';
  return patternString('^[^\\u0000-\\u001f\\u007f]+$', expected, { minLength: 1, maxLength: lengthMax });
}
export const Name = plainText(200);
export const Timestamp = patternString(
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$',
  'an ISO 8601 date-time with a zone, such as 2027-01-31T00:00:00Z',
  { description: 'ISO 8601 date-time with a zone, e.g. 2027-01-31T00:00:00Z' },
);

/**
 * A query's bound of a period. A bare date is accepted besides a full timestamp because
 * reports are mostly by day; it means midnight UTC.
 */
export function dateOrInstant(description: string): TString {
  return patternString(
    '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
    'an ISO 8601 date such as 2027-01-31, or a date-time with a zone such as 2027-01-31T12:00:00Z',
    { description },
  );
}

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: pageLimitMax, default: pageLimitDefault }),
    after: Type.Optional(Type.String({ maxLength: 200, description: 'return items whose id sorts after this one' })),
  },
  { additionalProperties: false },
);

export function deleted(object: string, id: string): { id: string; object: string; deleted: true } {
  return { id, object, deleted: true };
}
