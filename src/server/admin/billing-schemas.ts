import { Type } from '@sinclair/typebox';
import { transferCodes } from '../../ledger/index.js';

/** Money on the wire: whole micro-credits (1 credit = 1,000,000), never a fraction. */
export const AmountMicro = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'micro-credits (1 credit = 1,000,000)' });
export const PositiveAmountMicro = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'micro-credits (1 credit = 1,000,000)' });
/** A client-chosen transfer id: retrying with the same id and content is safe. */
export const TransferId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,159}$', description: 'idempotency key: the same id with the same content returns the first result' });
export const Memo = Type.String({ minLength: 1, maxLength: 500, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const LongText = Type.String({ minLength: 1, maxLength: 2000, pattern: '^[^\\u0000\\u007f]+$' });
export const TransferCodeSchema = Type.Union(transferCodes.map((c) => Type.Literal(c)));

const dateOrInstant = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$';

export const StatementQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ pattern: dateOrInstant, description: 'transfers at or after this ISO 8601 instant (a bare date is midnight UTC)' })),
    until: Type.Optional(Type.String({ pattern: dateOrInstant, description: 'transfers before this ISO 8601 instant' })),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);

export const FormatQuery = Type.Object({ format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }) }, { additionalProperties: false });
