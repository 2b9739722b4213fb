import { Type } from '@sinclair/typebox';

const Count = Type.Integer({ minimum: 0 });
const Micro = (description: string) => Type.Integer({ minimum: 0, description });
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const UsageRecordSchema = Type.Object(
  {
    object: Type.Literal('usage_record'),
    id: Type.String({ description: 'the request id, which the client also saw in x-request-id' }),
    createdAt: Type.String({ description: 'when the request finished and was metered' }),
    organizationId: Type.String(),
    projectId: Type.String(),
    apiKeyId: Type.String(),
    modelId: Type.String(),
    endpoint: Type.Union([Type.Literal('chat.completions'), Type.Literal('embeddings')]),
    deploymentId: Nullable(Type.String()),
    siteId: Nullable(Type.String()),
    jurisdiction: Nullable(Type.String({ description: 'ISO 3166 code of the site that processed the request' })),
    promptTokens: Count,
    completionTokens: Count,
    totalTokens: Count,
    usageEstimated: Type.Boolean(),
    firstByteMs: Nullable(Count),
    totalMs: Count,
    status: Type.Integer({ description: 'the HTTP status the client received' }),
    outcome: Type.Union(['success', 'client_aborted', 'upstream_error', 'rejected'].map((o) => Type.Literal(o))),
    errorCode: Nullable(Type.String()),
    streamed: Type.Boolean(),
    policyVersion: Nullable(Count),
    creditsPricedMicro: Nullable(Count),
    creditsChargedMicro: Nullable(Count),
    creditsWrittenOffMicro: Nullable(Count),
  },
  {
    description:
      'one request through the gateway; its receipt is at /v1/log/receipts/{id} (see docs/transparency-log.md)',
  },
);

const Totals = {
  requests: Count,
  promptTokens: Count,
  completionTokens: Count,
  totalTokens: Count,
  creditsChargedMicro: Micro('what the organizations were charged'),
  creditsWrittenOffMicro: Micro('what the platform wrote off'),
};

export const UsagePageSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(UsageRecordSchema),
  first_id: Nullable(Type.String()),
  last_id: Nullable(Type.String()),
  has_more: Type.Boolean(),
  totals: Type.Optional(
    Type.Object(Totals, { description: 'over everything the filter matches; left out with totals=false' }),
  ),
  byModel: Type.Optional(Type.Array(Type.Object({ modelId: Type.String(), ...Totals }))),
});

/** What a group of requests used, with latencies estimated from the rollups' histograms. */
export const FiguresProperties = {
  requests: Count,
  errors: Type.Integer({ minimum: 0, description: 'requests that did not end in success' }),
  promptTokens: Count,
  completionTokens: Count,
  creditsPricedMicro: Micro("the requests at their models' prices"),
  creditsChargedMicro: Micro('what was charged (credits spent)'),
  creditsWrittenOffMicro: Micro('what the platform wrote off'),
  latencyMsMean: Nullable(Count),
  latencyP50Ms: Nullable(
    Type.Integer({ description: 'upper bound of the histogram bucket holding the median (docs/console-data.md)' }),
  ),
  latencyP99Ms: Nullable(
    Type.Integer({ description: 'upper bound of the histogram bucket holding the 99th percentile' }),
  ),
  firstByteP50Ms: Nullable(Type.Integer({ description: 'time to first token, median, as a bucket bound' })),
  firstByteP99Ms: Nullable(Type.Integer({ description: 'time to first token, 99th percentile, as a bucket bound' })),
};

export const Figures = Type.Object(FiguresProperties);
