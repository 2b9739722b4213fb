/**
 * Every error Commonweal answers with carries one of these stable codes.
 * Clients may branch on them; `docs/errors.md` documents each one.
 */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unknown_field'
  | 'body_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'invalid_api_key'
  | 'invalid_admin_token'
  | 'invalid_metrics_token'
  | 'forbidden'
  | 'not_found'
  | 'route_not_found'
  | 'already_exists'
  | 'conflict'
  | 'idempotency_conflict'
  | 'ledger_limit_reached'
  | 'insufficient_credits'
  | 'budget_exceeded'
  | 'rate_limit_exceeded'
  | 'policy_denied'
  | 'model_not_found'
  | 'method_not_allowed'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'no_healthy_deployment'
  | 'no_compliant_deployment'
  | 'engine_unavailable'
  | 'engine_busy'
  | 'not_ready'
  | 'configuration_stale'
  | 'ledger_unavailable'
  | 'overloaded'
  | 'internal_error';

interface CodeInfo {
  readonly status: number;
  readonly type: string;
}

/** The one table from error code to HTTP status and OpenAI error type. */
export const errorCodeInfo: Readonly<Record<ErrorCode, CodeInfo>> = Object.freeze({
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unknown_field: { status: 400, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  invalid_admin_token: { status: 401, type: 'authentication_error' },
  invalid_metrics_token: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'not_found_error' },
  route_not_found: { status: 404, type: 'not_found_error' },
  already_exists: { status: 409, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  idempotency_conflict: { status: 409, type: 'invalid_request_error' },
  ledger_limit_reached: { status: 409, type: 'invalid_request_error' },
  insufficient_credits: { status: 402, type: 'insufficient_quota' },
  budget_exceeded: { status: 402, type: 'insufficient_quota' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  policy_denied: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'not_found_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  upstream_error: { status: 502, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
  no_healthy_deployment: { status: 503, type: 'api_error' },
  no_compliant_deployment: { status: 503, type: 'api_error' },
  engine_unavailable: { status: 503, type: 'api_error' },
  engine_busy: { status: 429, type: 'rate_limit_error' },
  not_ready: { status: 503, type: 'api_error' },
  configuration_stale: { status: 503, type: 'api_error' },
  ledger_unavailable: { status: 503, type: 'api_error' },
  overloaded: { status: 503, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
});
