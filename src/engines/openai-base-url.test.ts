import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOpenAiBaseUrl, toUpstreamPath } from './openai-base-url.js';

function chatPath(baseUrl: string): string {
  const base = parseOpenAiBaseUrl(baseUrl);
  return base.origin + toUpstreamPath(base, '/v1/chat/completions');
}

describe('parseOpenAiBaseUrl', () => {
  it('appends API paths to the base URL without their /v1', () => {
    assert.equal(chatPath('http://vllm:8000/v1'), 'http://vllm:8000/v1/chat/completions');
    assert.equal(chatPath('http://vllm:8000/v1/'), 'http://vllm:8000/v1/chat/completions');
    assert.equal(chatPath('https://gw.example/v1beta/openai'), 'https://gw.example/v1beta/openai/chat/completions');
    assert.equal(chatPath('http://proxy/ollama/v1'), 'http://proxy/ollama/v1/chat/completions');
  });

  it('gives a bare origin /v1', () => {
    assert.equal(chatPath('http://vllm:8000'), 'http://vllm:8000/v1/chat/completions');
    assert.equal(chatPath('http://vllm:8000/'), 'http://vllm:8000/v1/chat/completions');
  });

  it('keeps the query string of the API path', () => {
    assert.equal(toUpstreamPath(parseOpenAiBaseUrl('http://h/v1'), '/v1/models?limit=5'), '/v1/models?limit=5');
  });

  it('rejects what is not an http(s) base URL', () => {
    for (const bad of ['vllm:8000', 'ftp://h/v1', 'http://u:p@h/v1', 'http://h/v1?x=1', 'http://h/v1#x']) {
      assert.throws(() => parseOpenAiBaseUrl(bad), TypeError, bad);
    }
  });

  it('rejects a path that is not an OpenAI API path', () => {
    assert.throws(() => toUpstreamPath(parseOpenAiBaseUrl('http://h/v1'), '/admin/v1/keys'), TypeError);
  });
});
