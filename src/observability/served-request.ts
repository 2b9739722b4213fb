/**
 * The facts of one finished /v1 request that the request metrics count, as the gateway's
 * access line knows them when the handler is done with the request.
 */
export interface ServedRequest {
  /** The request's path, without its query. */
  readonly path: string;
  /** The catalog's id of the model served; null when the request named no model of the catalog. */
  readonly modelId: string | null;
  readonly organizationId: string | null;
  readonly keyId: string | null;
  /** The status the client received; 499 when it went away before the answer ended. */
  readonly status: number;
  /** The error code of a failed request, a Commonweal code or one a model server answered with. */
  readonly errorCode: string | null;
  readonly streamed: boolean;
  /** Null when nothing was metered. */
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  readonly durationMs: number;
  /** From arrival to the answer's first byte; null when no answer began. */
  readonly firstByteMs: number | null;
  /** Time spent waiting on model servers (and on a client slower than them); null when none was called. */
  readonly upstreamWaitMs: number | null;
  /** Null when the request ran unmetered or its charge did not commit. */
  readonly creditsChargedMicro: number | null;
  readonly creditsWrittenOffMicro: number | null;
}
