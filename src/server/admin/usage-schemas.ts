import { Type } from '@sinclair/typebox';

const Count = Type.Integer({ minimum: 0 });
const Micro = (description: string) => Type.Integer({ minimum: 0, description });
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

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
