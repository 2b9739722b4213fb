import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { readUpstreamBody } from './upstream-answer.js';

/** A body as an engine that makes text gives it: string chunks. */
function textBody(...pieces: string[]): Readable {
  const body = new Readable({ encoding: 'utf8', read: () => undefined });
  for (const piece of pieces) body.push(piece);
  body.push(null);
  return body;
}

test('reads a body of bytes and a body of text alike', async () => {
  assert.deepEqual(
    await readUpstreamBody(Readable.from([Buffer.from('{"a":'), Buffer.from('"é"}')]), 64),
    Buffer.from('{"a":"é"}'),
  );
  assert.deepEqual(await readUpstreamBody(textBody('{"a":', '"é"}'), 64), Buffer.from('{"a":"é"}'));
});

test('bounds a body of text by its UTF-8 bytes, not its characters', async () => {
  // Four characters, eight bytes.
  await assert.rejects(
    readUpstreamBody(textBody('éé', 'éé'), 7),
    (error) => error instanceof CommonwealError && error.code === 'upstream_error',
  );
  assert.equal((await readUpstreamBody(textBody('éé', 'éé'), 8)).length, 8);
});
