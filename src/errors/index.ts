export { CommonwealError } from './commonweal-error.js';
export { type ErrorCode, errorCodeInfo } from './error-code.js';
export { InvariantViolation, invariant, invariantViolationChannel } from './invariant.js';
export { toErrorAnswer } from './openai-error-body.js';
export { writeError } from './write-error.js';
