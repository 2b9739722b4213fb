export { type AttemptEnding, AttemptSpan } from './attempt-span.js';
export { errorTypeOf } from './error-type.js';
export { type IncomingRequestFacts, InferenceTracer } from './inference-tracer.js';
export { type AttemptFacts, type GenAiOperation, type RequestAnswer, RequestSpan } from './request-span.js';
export { type Tracing, startTracing } from './start-tracing.js';
export { StepSpan } from './step-span.js';
export type { TracingOptions } from './tracing-options.js';
