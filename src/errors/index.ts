export { CommonwealError, type CommonwealErrorOptions } from './commonweal-error.js';
export { type ErrorCode, errorCodeInfo } from './error-code.js';
export { toErrorAnswer, type ErrorAnswer, type OpenAiErrorBody } from './openai-error-body.js';
