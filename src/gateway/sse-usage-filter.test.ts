import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseUsageFilter } from './sse-usage-filter.js';

const chunk = (content: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;
const usage =
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\n';

test('forwards content events unchanged, reads usage and withholds [DONE]', () => {
  const filter = new SseUsageFilter(true, 'm');
  const out = filter.push(Buffer.from(`${chunk('Hel') + chunk('lo') + usage}data: [DONE]\n\n`));
  assert.equal(out, chunk('Hel') + chunk('lo') + usage);
  assert.deepEqual(filter.usage, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
  assert.equal(filter.sawDone, true);
  assert.equal(filter.contentEvents, 2);
});

test('drops the usage chunk when the client did not ask for usage', () => {
  const filter = new SseUsageFilter(false, 'm');
  assert.equal(filter.push(Buffer.from(chunk('a') + usage)), chunk('a'));
  assert.equal(filter.usage?.total_tokens, 9);
});

test('blanks usage carried on a content chunk when the client did not ask for it', () => {
  const filter = new SseUsageFilter(false, 'm');
  const combined =
    'data: {"choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n';
  const out = filter.push(Buffer.from(combined));
  assert.deepEqual(JSON.parse(out.slice(6)), { choices: [{ index: 0, delta: { content: 'x' } }], usage: null });
  assert.equal(filter.usage?.total_tokens, 2);
});

test('events split across chunks, even inside a multi-byte character, come out whole', () => {
  const filter = new SseUsageFilter(true, 'm');
  const bytes = Buffer.from(chunk('héllo ✓') + usage);
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) out += filter.push(bytes.subarray(i, i + 5));
  out += filter.flush();
  assert.equal(out, chunk('héllo ✓') + usage);
  assert.equal(filter.usage?.prompt_tokens, 7);
});

test('takes text as it takes bytes, events split across pieces included', () => {
  const filter = new SseUsageFilter(false, 'm');
  const text = `${chunk('héllo ✓') + usage}data: [DONE]\n\n`;
  let out = '';
  for (let i = 0; i < text.length; i += 7) out += filter.push(text.slice(i, i + 7));
  out += filter.flush();
  assert.equal(out, chunk('héllo ✓'));
  assert.equal(filter.usage?.total_tokens, 9);
  assert.equal(filter.sawDone, true);
});

test('CRLF-separated events are recognised', () => {
  const filter = new SseUsageFilter(false, 'm');
  const out = filter.push(Buffer.from('data: {"choices":[{"delta":{}}]}\r\n\r\ndata: [DONE]\r\n\r\n'));
  assert.equal(out, 'data: {"choices":[{"delta":{}}]}\r\n\r\n');
  assert.equal(filter.sawDone, true);
});

test('an error event stops the filter: it and everything after it are held back', () => {
  const filter = new SseUsageFilter(true, 'm');
  const error = 'data: {"error":{"message":"out of memory","type":"server_error","param":null,"code":null}}\n\n';
  assert.equal(filter.push(Buffer.from(`${chunk('a') + error + chunk('b')}data: [DONE]\n\n`)), chunk('a'));
  assert.equal(filter.fault, 'error_event');
  assert.equal(filter.push(Buffer.from(chunk('c'))), '');
  assert.equal(filter.flush(), '');
  assert.equal(filter.sawDone, false);
  assert.equal(filter.contentEvents, 1);
});

test('an event with both "error" and "usage" is an error only when error is an object', () => {
  const filter = new SseUsageFilter(false, 'm');
  const nullError =
    'data: {"choices":[],"error":null,"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n';
  assert.equal(filter.push(Buffer.from(nullError)), '');
  assert.equal(filter.fault, undefined);
  assert.equal(filter.usage?.total_tokens, 4);
  const failed =
    'data: {"error":{"message":"boom"},"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n';
  assert.equal(filter.push(Buffer.from(failed)), '');
  assert.equal(filter.fault, 'error_event');
  assert.equal(filter.usage?.total_tokens, 4, 'a failed event reports no usage');
});

test('a data event that is not a JSON object stops the filter; content that mentions "error" does not', () => {
  const filter = new SseUsageFilter(true, 'm');
  assert.equal(
    filter.push(Buffer.from(chunk('\\"error\\": no') + chunk('error'))),
    chunk('\\"error\\": no') + chunk('error'),
  );
  assert.equal(filter.fault, undefined);
  assert.equal(filter.push(Buffer.from(`data: {"choices":[{"delta":{"content":"cut\n\n${chunk('x')}`)), '');
  assert.equal(filter.fault, 'malformed_event');
});

test('an event that never ends stops the filter at its size bound instead of filling memory', () => {
  const filter = new SseUsageFilter(true, 'm', 1024);
  assert.equal(filter.push(Buffer.from(chunk('ok'))), chunk('ok'));
  let forwarded = '';
  for (let i = 0; i < 10 && filter.fault === undefined; i += 1)
    forwarded += filter.push(Buffer.from(`data: {"x":"${'a'.repeat(300)}`));
  assert.equal(filter.fault, 'malformed_event');
  assert.equal(forwarded, '');
  assert.equal(filter.push(Buffer.from('\n\n')), '', 'nothing more is forwarded after the fault');
});

test("every event names the catalog's model, whatever the upstream calls it, and generated text is left alone", () => {
  const filter = new SseUsageFilter(true, 'qwen2.5-7b');
  const event = (model: string, content: string) =>
    `data: {"id":"c1","model":${model},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;
  const text = 'say "model":"x" \\ or "model": "y"';
  const out = filter.push(
    event('"Qwen/Qwen2.5-7B-Instruct"', text) +
      event(' "with \\"quotes\\""', 'b') +
      usage.replace('"id"', '"model": "q","id"'),
  );
  assert.equal(
    out,
    event('"qwen2.5-7b"', text) + event('"qwen2.5-7b"', 'b') + usage.replace('"id"', '"model":"qwen2.5-7b","id"'),
  );
  assert.equal(filter.usage?.total_tokens, 9);
});
