import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from 'undici';
import { CommonwealError } from '../errors/index.js';
import { toUpstreamFailure, UpstreamFailure, type UpstreamTimeouts } from './upstream-failure.js';

const timeouts: UpstreamTimeouts = {
  connectTimeoutMs: 5_000,
  firstByteTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 600_000,
};

function classify(error: unknown): UpstreamFailure {
  return toUpstreamFailure(error, 'dep-1', timeouts);
}

describe('toUpstreamFailure', () => {
  it('maps undici and network errors to kinds and codes, keeping the cause', () => {
    const cases: Array<[unknown, string, string]> = [
      [new errors.ConnectTimeoutError(), 'connect_timeout', 'upstream_timeout'],
      [new errors.HeadersTimeoutError(), 'first_byte_timeout', 'upstream_timeout'],
      [new errors.BodyTimeoutError(), 'idle_timeout', 'upstream_timeout'],
      [new errors.SocketError('other side closed'), 'connection_lost', 'upstream_error'],
      [
        Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8000'), { code: 'ECONNREFUSED' }),
        'unreachable',
        'upstream_error',
      ],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'connection_lost', 'upstream_error'],
      [new errors.ClientClosedError(), 'closed', 'engine_unavailable'],
      [new Error('something else'), 'bad_response', 'upstream_error'],
      ['not even an error', 'bad_response', 'upstream_error'],
    ];
    for (const [cause, kind, code] of cases) {
      const failure = classify(cause);
      assert.ok(failure instanceof CommonwealError);
      assert.equal(failure.kind, kind, String(cause));
      assert.equal(failure.code, code, String(cause));
      assert.equal(failure.cause, cause);
    }
  });

  it('names no address in its message', () => {
    const failure = classify(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8000'), { code: 'ECONNREFUSED' }));
    assert.ok(!failure.message.includes('10.0.0.1'));
    assert.equal(failure.status, 502);
  });

  it('passes an UpstreamFailure through', () => {
    const failure = new UpstreamFailure('total_timeout', 'dep-1', timeouts);
    assert.equal(classify(failure), failure);
    assert.match(failure.message, /600000 ms/);
  });
});
