import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** One request to a model server, in the terms of the OpenAI API. */
export interface UpstreamCall {
  readonly method: 'GET' | 'POST';
  /** An OpenAI API path with its query string, starting with `/v1/`, such as `/v1/chat/completions`. */
  readonly path: string;
  readonly body: Buffer | null;
  /**
   * Lower-case names. The caller removes hop-by-hop headers and its own client's
   * credentials; the engine replaces `authorization` with the upstream's credential.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborting it cancels the upstream request, before or after the headers arrived. */
  readonly signal: AbortSignal;
  /** Whose call it is (the organization), for an engine that queues calls: tenants take turns. */
  readonly tenant?: string | undefined;
}

/** The upstream's answer as soon as its headers arrive; the body follows as it is produced. */
export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /**
   * The body as it arrives, with backpressure: reading slowly pauses the upstream. Its
   * chunks are bytes (Buffers), or strings when the engine makes the body as text itself
   * (`readableEncoding` is then `'utf8'`): the text need not be encoded only to be decoded
   * again by the gateway.
   * It is destroyed with an `UpstreamFailure` when the upstream fails mid-answer, or with
   * the signal's reason when the call is aborted. Destroying it cancels the upstream request.
   */
  readonly body: Readable;
}

export type EngineState = 'unloaded' | 'loading' | 'ready' | 'failed';

/** What an engine that runs its model in this process is doing, for /readyz and the admin API. */
export interface EngineStatus {
  readonly state: EngineState;
  /** Why the engine failed; it names no file path or address, as /readyz shows it to anyone. */
  readonly reason: string | null;
  /** When the state last changed, ISO 8601. */
  readonly since: string;
  readonly requestsRunning: number;
  readonly requestsWaiting: number;
}

/**
 * The seam between the gateway and whatever runs the model: a proxy to an
 * OpenAI-compatible server, or an embedded engine.
 */
export interface Engine {
  /**
   * Resolves once the response headers arrived, whatever their status. Rejects with an
   * `UpstreamFailure` when no response came, or with the signal's reason when aborted.
   */
  send(call: UpstreamCall): Promise<UpstreamResponse>;
  /** Resolves when the engine can serve requests; rejects with the reason it cannot. */
  probe(signal: AbortSignal): Promise<void>;
  /** Stops taking calls and resolves once the calls in flight have ended. */
  close(): Promise<void>;
  /** Only engines that run the model themselves have one; a proxy's state is its server's. */
  status?(): EngineStatus;
}
