import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureTinyLlamaModel } from '../../test/fixtures/tiny-llama-model.js';
import { encodeGguf } from './gguf-writer.js';
import { tinyModel, tinyModelVocabSize } from './tiny-llama-model.js';
import { GgufFormatError } from './gguf-format-error.js';
import { readGgufHeader } from './gguf-header.js';
import { ggufModelInfo } from './gguf-model-info.js';

const dir = mkdtempSync(join(tmpdir(), 'commonweal-gguf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readGgufHeader', () => {
  it('reads the metadata and tensors of the tiny test model', async () => {
    const header = await readGgufHeader(ensureTinyLlamaModel());
    assert.equal(header.version, 3);
    assert.equal(header.metadata.get('general.architecture'), 'llama');
    assert.equal(header.metadata.get('tokenizer.chat_template'), tinyModel.chatTemplate);
    const tokens = header.metadata.get('tokenizer.ggml.tokens');
    assert.ok(typeof tokens === 'object' && 'kind' in tokens);
    assert.equal(tokens.length, tinyModelVocabSize);
    assert.equal(tokens.items.length, 64, 'long arrays keep only their head');
    assert.deepEqual(header.tensors.find((t) => t.name === 'token_embd.weight')?.dims, [
      tinyModel.embeddingLength,
      tinyModelVocabSize,
    ]);
  });

  it('gives the catalog its metadata, with the parameter count from the tensor shapes', async () => {
    const info = ggufModelInfo(await readGgufHeader(ensureTinyLlamaModel()));
    const n = tinyModel.embeddingLength;
    const kv = (n / tinyModel.headCount) * tinyModel.headCountKv;
    const perBlock = 2 * n + n * n + 2 * n * kv + n * n + 3 * n * tinyModel.feedForwardLength;
    assert.deepEqual(info, {
      architecture: 'llama',
      name: tinyModel.name,
      origin: null,
      license: 'Apache-2.0',
      parameterCount: 2 * n * tinyModelVocabSize + n + tinyModel.blockCount * perBlock,
      contextLength: tinyModel.contextLength,
      embeddingLength: n,
      hasChatTemplate: true,
    });
  });

  it('reads 64-bit, boolean and float values', async () => {
    const path = file(
      'values.gguf',
      encodeGguf(
        [
          ['a.flag', { type: 'bool', value: true }],
          ['a.ratio', { type: 'float32', value: 0.5 }],
          ['a.count', { type: 'int32', value: -3 }],
        ],
        [],
      ),
    );
    const header = await readGgufHeader(path);
    assert.equal(header.metadata.get('a.flag'), true);
    assert.equal(header.metadata.get('a.ratio'), 0.5);
    assert.equal(header.metadata.get('a.count'), -3);
  });

  it('says what is wrong with a file that is not GGUF', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['text.gguf', Buffer.from('hello, I am not a model at all'), /GGUF magic/],
      ['empty.gguf', Buffer.alloc(0), /ends inside its header/],
      ['truncated.gguf', readFileSync(ensureTinyLlamaModel()).subarray(0, 2000), /ends inside its header/],
      [
        'future.gguf',
        Buffer.concat([Buffer.from('GGUF'), Buffer.from([9, 0, 0, 0]), Buffer.alloc(16)]),
        /version 9 is not supported/,
      ],
      [
        'huge.gguf',
        Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(8, 0xff), Buffer.alloc(8)]),
        /tensor count is \d+, more than/,
      ],
    ];
    for (const [name, bytes, pattern] of cases) {
      await assert.rejects(
        readGgufHeader(file(name, bytes)),
        (error) => error instanceof GgufFormatError && pattern.test(error.message),
        name,
      );
    }
  });
});
