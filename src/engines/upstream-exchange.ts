import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { UpstreamResponse } from './engine.js';
import { toUpstreamFailure, UpstreamFailure, type UpstreamTimeouts } from './upstream-failure.js';

type Controller = Dispatcher.DispatchController;

// undici's own response bodies buffer this much before pausing the socket.
const bodyHighWaterMarkBytes = 64 * 1024;

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('the upstream call was aborted');
}

/** A response body fed by the dispatcher; reading resumes the socket, destroying aborts it. */
class UpstreamBody extends Readable {
  readonly #controller: Controller;
  readonly #onDestroy: (error: Error | null) => void;

  constructor(controller: Controller, onDestroy: (error: Error | null) => void) {
    super({ highWaterMark: bodyHighWaterMarkBytes });
    this.#controller = controller;
    this.#onDestroy = onDestroy;
  }

  override _read(): void {
    this.#controller.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#onDestroy(error);
    callback(error);
  }
}

/**
 * One request and its response, as an undici dispatch handler. It turns the handler
 * callbacks into a promise for the headers and a Readable for the body, enforces the
 * total time limit, follows the caller's signal, and reports every failure as an
 * `UpstreamFailure`. Using `dispatch` rather than `request` keeps one stream between
 * the socket and the gateway and lets failures mid-body carry the same type as
 * failures before it.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly response: Promise<UpstreamResponse>;
  readonly #deploymentId: string;
  readonly #timeouts: UpstreamTimeouts;
  readonly #signal: AbortSignal;
  readonly #onDone: () => void;
  readonly #timer: NodeJS.Timeout;
  #resolve!: (response: UpstreamResponse) => void;
  #reject!: (reason: unknown) => void;
  #controller: Controller | null = null;
  #body: UpstreamBody | null = null;
  /** Why this side ended the exchange, for a call still waiting in the pool's queue. */
  #abortReason: unknown = undefined;
  #done = false;

  constructor(signal: AbortSignal, deploymentId: string, timeouts: UpstreamTimeouts, onDone: () => void) {
    this.response = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#deploymentId = deploymentId;
    this.#timeouts = timeouts;
    this.#signal = signal;
    this.#onDone = onDone;
    // Unref'd: an exchange in flight keeps its socket, which keeps the process alive anyway.
    this.#timer = setTimeout(this.#onTotalTimeout, timeouts.totalTimeoutMs).unref();
    signal.addEventListener('abort', this.#onSignalAbort);
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    // The call may have been aborted while it waited in the pool's queue.
    if (this.#abortReason !== undefined) controller.abort(asError(this.#abortReason));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers (100 Continue, 103 Early Hints) precede the real one.
    if (statusCode < 200 || this.#done) return;
    this.#body = new UpstreamBody(controller, this.#onBodyDestroy);
    this.#resolve({ statusCode, headers, body: this.#body });
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#done || this.#body === null) return;
    if (!this.#body.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    if (this.#done) return;
    if (this.#body === null) {
      // An answer that ends before its final status: no response to give.
      this.#fail(new UpstreamFailure('bad_response', this.#deploymentId, this.#timeouts));
      return;
    }
    this.#finish();
    this.#body.push(null);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.#fail(toUpstreamFailure(error, this.#deploymentId, this.#timeouts));
  }

  readonly #onTotalTimeout = (): void => {
    this.#abort(new UpstreamFailure('total_timeout', this.#deploymentId, this.#timeouts));
  };

  readonly #onSignalAbort = (): void => {
    this.#abort(this.#signal.reason);
  };

  readonly #onBodyDestroy = (error: Error | null): void => {
    // A body read to its end is destroyed too; only one given up early frees the upstream,
    // and only then is the error worth building.
    if (this.#done) return;
    this.#abort(error ?? new Error('the response body was destroyed before its end'));
  };

  #abort(reason: unknown): void {
    if (this.#done) return;
    this.#abortReason = reason;
    // Settle first: undici reports the abort back through onResponseError, synchronously.
    this.#fail(reason);
    this.#controller?.abort(asError(reason));
  }

  #fail(reason: unknown): void {
    if (this.#done) return;
    this.#finish();
    if (this.#body === null) this.#reject(reason);
    else this.#body.destroy(asError(reason));
  }

  #finish(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#signal.removeEventListener('abort', this.#onSignalAbort);
    this.#onDone();
  }
}
