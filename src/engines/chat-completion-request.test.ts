import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { parseChatCompletionRequest } from './chat-completion-request.js';

const messages = [{ role: 'user', content: 'Hi' }];

function refusal(body: Record<string, unknown>, param: string) {
  return () => {
    assert.throws(
      () => parseChatCompletionRequest({ model: 'm', messages, ...body }),
      (error) => error instanceof CommonwealError && error.code === 'invalid_request' && error.param === param,
      JSON.stringify(body),
    );
  };
}

describe('parseChatCompletionRequest', () => {
  it('takes OpenAI defaults for what is not given', () => {
    const request = parseChatCompletionRequest({ model: 'm', messages });
    assert.deepEqual(request, {
      model: 'm',
      stream: false,
      includeUsage: false,
      generation: {
        messages,
        maxTokens: null,
        temperature: 1,
        topP: 1,
        seed: null,
        stop: [],
        frequencyPenalty: 0,
        presencePenalty: 0,
        jsonSchema: null,
      },
    });
  });

  it('reads the sampling options, stop sequences and streaming', () => {
    const request = parseChatCompletionRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hel' },
            { type: 'text', text: 'lo' },
          ],
        },
        { role: 'assistant', content: null },
      ],
      max_completion_tokens: 7,
      max_tokens: 99,
      temperature: 0,
      top_p: 0.5,
      seed: -1,
      stop: 'END',
      presence_penalty: 0.5,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(request.stream, true);
    assert.equal(request.includeUsage, true);
    assert.deepEqual(request.generation.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: '' },
    ]);
    assert.equal(request.generation.maxTokens, 7, 'max_completion_tokens wins');
    assert.deepEqual(request.generation.stop, ['END']);
    assert.equal(request.generation.seed, -1);
    assert.equal(request.generation.presencePenalty, 0.5);
  });

  it('turns response_format into a JSON schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const parse = (response_format: unknown) =>
      parseChatCompletionRequest({ model: 'm', messages, response_format }).generation.jsonSchema;
    assert.equal(parse({ type: 'text' }), null);
    assert.deepEqual(parse({ type: 'json_object' }), { type: 'object' });
    assert.deepEqual(parse({ type: 'json_schema', json_schema: { name: 'x', schema } }), schema);
  });

  it('refuses what it cannot honour instead of ignoring it', () => {
    refusal({ messages: [] }, 'messages')();
    refusal({ messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role')();
    refusal(
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      'messages[0].content',
    )();
    refusal({ messages: [{ role: 'tool', content: 'x', tool_call_id: 't' }] }, 'messages[0]')();
    refusal({ n: 3 }, 'n')();
    refusal({ tools: [{ type: 'function' }] }, 'tools')();
    refusal({ logprobs: true }, 'logprobs')();
    refusal({ temperature: 2.5 }, 'temperature')();
    refusal({ max_tokens: 0 }, 'max_tokens')();
    refusal({ max_tokens: 1.5 }, 'max_tokens')();
    refusal({ stop: ['a', ''] }, 'stop')();
    refusal({ stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }, 'stop')();
    refusal({ response_format: { type: 'xml' } }, 'response_format')();
    refusal({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, 'response_format')();
    refusal({ stream: 'yes' }, 'stream')();
  });
});
