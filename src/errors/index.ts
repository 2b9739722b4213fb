export { CommonwealError } from './commonweal-error.js';
export type { ErrorCode } from './error-code.js';
export { toErrorAnswer } from './openai-error-body.js';
export { writeError } from './write-error.js';
