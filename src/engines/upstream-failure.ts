import { CommonwealError, type ErrorCode } from '../errors/index.js';

/** The limits an upstream failure may be about, named in its message. */
export interface UpstreamTimeouts {
  readonly connectTimeoutMs: number;
  readonly firstByteTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly totalTimeoutMs: number;
}

export const upstreamFailureKinds = [
  'unreachable',
  'connect_timeout',
  'first_byte_timeout',
  'idle_timeout',
  'total_timeout',
  'connection_lost',
  'bad_response',
  'overloaded',
  'closed',
  'unavailable',
] as const;

/** What went wrong, precisely enough for the retry policy to decide whether to try elsewhere. */
export type UpstreamFailureKind = (typeof upstreamFailureKinds)[number];

interface KindInfo {
  readonly code: ErrorCode;
  readonly message: (limits: UpstreamTimeouts, cause: unknown) => string;
}

// Messages reach the API client, so they name no host, address or credential: the
// operator finds those in the log, through `deploymentId` and `cause`.
const kindInfo: Readonly<Record<UpstreamFailureKind, KindInfo>> = Object.freeze({
  unreachable: { code: 'upstream_error', message: () => 'the model server could not be reached' },
  connect_timeout: {
    code: 'upstream_timeout',
    message: (l) => `the model server did not accept a connection within ${l.connectTimeoutMs} ms`,
  },
  first_byte_timeout: {
    code: 'upstream_timeout',
    message: (l) => `the model server did not start answering within ${l.firstByteTimeoutMs} ms`,
  },
  idle_timeout: { code: 'upstream_timeout', message: (l) => `the model server sent nothing for ${l.idleTimeoutMs} ms` },
  total_timeout: {
    code: 'upstream_timeout',
    message: (l) => `the model server did not finish within ${l.totalTimeoutMs} ms`,
  },
  connection_lost: { code: 'upstream_error', message: () => 'the connection to the model server was lost' },
  bad_response: { code: 'upstream_error', message: () => 'the model server sent an invalid response' },
  overloaded: { code: 'engine_unavailable', message: () => 'the model server has too many requests waiting' },
  closed: { code: 'engine_unavailable', message: () => 'the model server is being reconfigured' },
  // An embedded engine says why itself (not installed, model file missing or broken), in
  // a CommonwealError whose message is safe to show.
  unavailable: {
    code: 'engine_unavailable',
    message: (_l, cause) =>
      cause instanceof CommonwealError ? cause.message : 'the engine cannot serve this deployment right now',
  },
});

/** A call to a model server that got no complete answer. */
export class UpstreamFailure extends CommonwealError {
  readonly kind: UpstreamFailureKind;
  readonly deploymentId: string;

  constructor(kind: UpstreamFailureKind, deploymentId: string, limits: UpstreamTimeouts, cause?: unknown) {
    const info = kindInfo[kind];
    super(info.code, info.message(limits, cause), { cause });
    this.name = 'UpstreamFailure';
    this.kind = kind;
    this.deploymentId = deploymentId;
  }
}

// Node's codes for a connection that could not be opened: nothing reached the upstream.
const unreachableCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EHOSTDOWN',
]);

const lostCodes: ReadonlySet<string> = new Set([
  'UND_ERR_SOCKET',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

function kindOf(code: unknown): UpstreamFailureKind {
  if (typeof code !== 'string') return 'bad_response';
  if (unreachableCodes.has(code)) return 'unreachable';
  if (lostCodes.has(code)) return 'connection_lost';
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect_timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'first_byte_timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'idle_timeout';
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'closed';
    default:
      return 'bad_response';
  }
}

/** Classifies an error from undici or the network; an `UpstreamFailure` passes through. */
export function toUpstreamFailure(error: unknown, deploymentId: string, limits: UpstreamTimeouts): UpstreamFailure {
  if (error instanceof UpstreamFailure) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return new UpstreamFailure(kindOf(code), deploymentId, limits, error);
}
