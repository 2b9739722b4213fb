import { type ErrorCode, errorCodeInfo } from './error-code.js';

export interface CommonwealErrorOptions {
  /** The request field the error is about, as OpenAI's `param`. */
  readonly param?: string;
  readonly cause?: unknown;
  /** Extra headers the answer must carry, such as `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The one error type Commonweal throws on purpose. Its message is safe to show to
 * the caller; anything else that reaches the error handler is answered as a generic 500.
 */
export class CommonwealError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: CommonwealErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CommonwealError';
    this.code = code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return errorCodeInfo[this.code].status;
  }
}
