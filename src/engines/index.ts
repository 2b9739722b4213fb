export { createEngine, type EngineSettings } from './create-engine.js';
export { EmbeddedRuntime, type EmbeddedRuntimeOptions } from './embedded-runtime.js';
export type { Engine, EngineState, EngineStatus, UpstreamCall, UpstreamResponse } from './engine.js';
export { type OpenAiBaseUrl, parseOpenAiBaseUrl, toUpstreamPath } from './openai-base-url.js';
export {
  OpenAiUpstreamEngine,
  type OpenAiUpstreamOptions,
  type OpenAiUpstreamTarget,
} from './openai-upstream-engine.js';
export {
  toUpstreamFailure,
  UpstreamFailure,
  type UpstreamFailureKind,
  upstreamFailureKinds,
  type UpstreamTimeouts,
} from './upstream-failure.js';
