import { Type } from '@sinclair/typebox';
import { usageEndpoints, usageOutcomes } from '../../metering/index.js';
import { Closed, Instant, Micro, Nullable, PageOf, StringEnum } from './response-schemas.js';

/** What one request through the gateway used and how it ended, as src/metering defines it. */
export const UsageRecordSchema = Closed({
  object: Type.Literal('usage_record'),
  id: Type.String({ description: 'the request id, which the client also saw' }),
  createdAt: Instant,
  organizationId: Type.String(),
  projectId: Type.String(),
  apiKeyId: Type.String(),
  modelId: Type.String(),
  endpoint: StringEnum(usageEndpoints),
  deploymentId: Nullable(Type.String()),
  siteId: Nullable(Type.String()),
  jurisdiction: Nullable(Type.String()),
  firstByteMs: Nullable(Type.Number()),
  totalMs: Type.Number(),
  status: Type.Integer({ description: 'the HTTP status the client received' }),
  outcome: StringEnum(usageOutcomes),
  errorCode: Nullable(Type.String()),
  streamed: Type.Boolean(),
  policyVersion: Nullable(Type.Integer()),
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
  totalTokens: Type.Integer(),
  usageEstimated: Type.Boolean(),
  creditsPricedMicro: Nullable(Micro),
  creditsChargedMicro: Nullable(Micro),
  creditsWrittenOffMicro: Nullable(Micro),
});

const totalsFields = {
  requests: Type.Integer(),
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
  totalTokens: Type.Integer(),
  creditsChargedMicro: Micro,
  creditsWrittenOffMicro: Micro,
};

/** A page of usage records, with totals over everything the filter matches, not only this page. */
export const UsagePageSchema = Closed({
  ...PageOf(UsageRecordSchema).properties,
  totals: Type.Optional(Closed(totalsFields, 'over everything the filter matches; left out with totals=false')),
  byModel: Type.Optional(Type.Array(Closed({ modelId: Type.String(), ...totalsFields }))),
});
