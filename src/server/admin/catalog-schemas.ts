import { Type } from '@sinclair/typebox';
import { acceleratorVendors, engineKinds } from '../../catalog/index.js';
import { Closed, Instant, Nullable, StringEnum } from './response-schemas.js';

/** The answers about models, sites, deployments and model files, as src/catalog and src/model-files define them. */

export const ModelSchema = Closed({
  object: Type.Literal('model'),
  id: Type.String(),
  family: Nullable(Type.String()),
  origin: Nullable(Type.String({ description: 'who made or published the weights' })),
  license: Nullable(Type.String({ description: 'an SPDX identifier or a license name' })),
  parameterCount: Nullable(Type.Integer()),
  contextLength: Nullable(Type.Integer()),
  inputPriceMicroPerMtok: Type.Integer({ description: 'micro-credits per million tokens' }),
  outputPriceMicroPerMtok: Type.Integer({ description: 'micro-credits per million tokens' }),
  tags: Type.Array(Type.String()),
  createdAt: Instant,
  updatedAt: Instant,
});

const AcceleratorVendor = StringEnum(acceleratorVendors);

export const SiteSchema = Closed({
  object: Type.Literal('site'),
  id: Type.String(),
  name: Type.String(),
  jurisdiction: Type.String({ description: 'ISO 3166-1 alpha-2 country code' }),
  region: Nullable(Type.String()),
  city: Nullable(Type.String()),
  accelerators: Type.Array(Closed({ vendor: AcceleratorVendor, type: Type.String(), count: Type.Integer() })),
  powerKw: Nullable(Type.Integer()),
  createdAt: Instant,
  updatedAt: Instant,
});

const EngineKind = StringEnum(engineKinds);

const EngineOptionsSchema = Closed(
  {
    contextSize: Type.Optional(Type.Union([Type.Integer(), Type.Literal('auto')])),
    gpuLayers: Type.Optional(Type.Union([Type.Integer(), Type.Literal('auto'), Type.Literal('max')])),
    parallelSequences: Type.Optional(Type.Integer()),
    threads: Type.Optional(Type.Integer()),
  },
  'embedded: how to run the model; an absent field takes its default',
);

/** A deployment as the API shows it: whether an upstream key is set, never the key. */
export const DeploymentSchema = Closed({
  object: Type.Literal('deployment'),
  id: Type.String(),
  modelId: Type.String(),
  siteId: Type.String(),
  kind: EngineKind,
  baseUrl: Nullable(Type.String({ description: 'openai: where the model server is' })),
  source: Nullable(Type.String({ description: 'embedded: the GGUF file' })),
  engineOptions: Nullable(EngineOptionsSchema),
  upstreamModel: Nullable(Type.String()),
  hasUpstreamApiKey: Type.Boolean(),
  weight: Type.Integer(),
  enabled: Type.Boolean(),
  createdAt: Instant,
  updatedAt: Instant,
});

export const EngineStatusSchema = Closed({
  state: StringEnum(['unloaded', 'loading', 'ready', 'failed'] as const),
  reason: Nullable(Type.String()),
  since: Instant,
  requestsRunning: Type.Integer(),
  requestsWaiting: Type.Integer(),
});

export const DeploymentStatusSchema = Closed({
  object: Type.Literal('deployment.status'),
  deploymentId: Type.String(),
  kind: EngineKind,
  engine: Nullable(EngineStatusSchema),
});

const GgufModelInfoSchema = Closed({
  architecture: Nullable(Type.String()),
  name: Nullable(Type.String()),
  origin: Nullable(Type.String()),
  license: Nullable(Type.String()),
  parameterCount: Type.Integer(),
  contextLength: Nullable(Type.Integer()),
  embeddingLength: Nullable(Type.Integer()),
  hasChatTemplate: Type.Boolean(),
});

export const ModelPullSchema = Closed({
  object: Type.Literal('model.pull'),
  id: Type.String(),
  source: Type.String(),
  path: Type.String({ description: 'where the file is, or will be, on the server' }),
  state: StringEnum(['running', 'succeeded', 'failed'] as const),
  progress: Nullable(
    Closed({ receivedBytes: Type.Integer(), totalBytes: Nullable(Type.Integer()), resumedFromBytes: Type.Integer() }),
  ),
  download: Nullable(
    Closed({
      sizeBytes: Type.Integer(),
      sha256: Type.String(),
      resumedFromBytes: Type.Integer(),
      alreadyPresent: Type.Boolean(),
    }),
  ),
  model: Nullable(GgufModelInfoSchema),
  error: Nullable(Type.String()),
  createdAt: Instant,
});

export const DemoModelSchema = Closed({
  object: Type.Literal('demo_model'),
  path: Type.String(),
  model: GgufModelInfoSchema,
});
