import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../catalog/index.js';
import { upstreamBodies } from './inference-request.js';

const model = { id: 'fake-model' } as Model;
const completion = { maxTokensPerChoice: null, choices: 1 };
const parse = (bytes: Buffer): Record<string, unknown> => JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;

test('each upstream name gets its own body, serialized once however often a failover asks for it', () => {
  const bodyFor = upstreamBodies({
    model,
    completion,
    stream: false,
    body: { model: 'fake-model', messages: [], temperature: 0.5 },
  });
  const first = bodyFor('acme/a');
  assert.equal(bodyFor('acme/a'), first, 'the same name reuses the same bytes');
  assert.deepEqual(parse(first), { model: 'acme/a', messages: [], temperature: 0.5 });
  assert.equal(parse(bodyFor('acme/b')).model, 'acme/b');
  assert.equal(parse(bodyFor(null)).model, 'fake-model', 'a deployment without an upstream name gets the model id');
});

test("a stream always asks the upstream for usage and keeps the client's other stream options", () => {
  const bodyFor = upstreamBodies({
    model,
    completion,
    stream: true,
    body: { model: 'fake-model', stream: true, stream_options: { include_usage: false, extra: 1 } },
  });
  assert.deepEqual(parse(bodyFor(null)).stream_options, { include_usage: true, extra: 1 });
});

test('the upstream is told one length, the one the hold was taken for, as max_tokens', () => {
  const body = { model: 'fake-model', max_completion_tokens: 1, max_tokens: 5000 };
  const sent = parse(
    upstreamBodies({ model, stream: false, body, completion: { maxTokensPerChoice: 1, choices: 1 } })(null),
  );
  assert.equal(sent.max_tokens, 1);
  assert.equal('max_completion_tokens' in sent, false, 'no second bound for the upstream to prefer');
  const unbounded = parse(
    upstreamBodies({ model, stream: false, body: { model: 'fake-model', max_tokens: null }, completion })(null),
  );
  assert.equal('max_tokens' in unbounded, false, 'without a bound the context bounds the answer');
});
