import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';

let fixture: GatewayFixture;
before(async () => {
  fixture = await startGatewayFixture();
});
after(async () => fixture.dispose());

test('chat completion through the gateway with the official client', async () => {
  const { data, response } = await fixture.client.chat.completions
    .create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.ok(data.choices[0]?.message.content);
  assert.equal(response.headers.get('x-commonweal-deployment'), 'dep-0');
  assert.equal(response.headers.get('x-commonweal-site'), 'fra-1');
  assert.match(response.headers.get('x-request-id') ?? '', /^req_/);
});

test('streamed chat completion assembles the upstream text', async () => {
  const stream = await fixture.client.chat.completions.create({
    model: 'fake-model',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Hello, world!');
});
