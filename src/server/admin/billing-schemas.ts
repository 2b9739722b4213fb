import { Type } from '@sinclair/typebox';
import { patternString } from '../../config/index.js';
import { transferCodes } from '../../ledger/index.js';
import { dateOrInstant, plainText } from './common-schemas.js';

/** Money on the wire: whole micro-credits (1 credit = 1,000,000), never a fraction. */
export const AmountMicro = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'micro-credits (1 credit = 1,000,000)',
});
export const PositiveAmountMicro = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'micro-credits (1 credit = 1,000,000)',
});
/** A client-chosen transfer id: retrying with the same id and content is safe. */
export const TransferId = patternString(
  '^[A-Za-z0-9][A-Za-z0-9:._-]{0,159}$',
  'an id of 1 to 160 letters, digits, ":", ".", "_" or "-" that starts with a letter or digit, such as invoice-1',
  { description: 'idempotency key: the same id with the same content returns the first result' },
);
export const Memo = plainText(500);
/** Several lines of text: line breaks are allowed, NUL (which PostgreSQL refuses) and DEL are not. */
export const LongText = patternString('^[^\\u0000\\u007f]+$', 'text without NUL or DEL characters', {
  minLength: 1,
  maxLength: 2000,
});
export const TransferCodeSchema = Type.Union(transferCodes.map((c) => Type.Literal(c)));

export const StatementQuery = Type.Object(
  {
    since: Type.Optional(dateOrInstant('transfers at or after this ISO 8601 instant (a bare date is midnight UTC)')),
    until: Type.Optional(dateOrInstant('transfers before this ISO 8601 instant')),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);

export const FormatQuery = Type.Object(
  { format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }) },
  { additionalProperties: false },
);
