import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeGguf, type GgufWriteTensor, type GgufWriteValue } from './gguf-writer.js';

/*
 * A tiny but valid llama-architecture model for tests and `init --demo`: random weights, a byte-level
 * vocabulary (GPT-2 style: one token per byte, no merges) plus four control tokens,
 * and a chat template of its own. Its answers are gibberish; everything around them
 * (loading, templates, sampling options, token counts, grammars, embeddings) is real.
 *
 * Tensor names and shapes follow llama.cpp's llama loader (`LLM_ARCH_LLAMA` in
 * src/llama-model.cpp); shapes are in ggml order, input dimension first.
 *
 * One trick makes the gibberish well-behaved: residual dimension 0 carries a large
 * constant (set in every token embedding; no layer writes to it), so after the final
 * RMS norm it is a steady positive value, and column 0 of the output matrix acts as a
 * per-token logit bias. The bias keeps generation to printable ASCII and never lets the
 * model end a turn by itself, so `max_tokens` is always reached unless a stop sequence
 * or a grammar ends the answer: tests can predict lengths exactly.
 */

export const tinyModel = Object.freeze({
  fileName: 'tiny-llama-v1.gguf',
  architecture: 'llama',
  name: 'Commonweal tiny test model',
  license: 'Apache-2.0',
  embeddingLength: 64,
  blockCount: 2,
  headCount: 4,
  headCountKv: 2,
  feedForwardLength: 128,
  contextLength: 2048,
  byteTokenCount: 256,
  /** Control tokens, after the 256 byte tokens. */
  specials: Object.freeze({ bos: '<s>', eos: '</s>', turn: '<|turn|>', end: '<|end|>' }),
  /**
   * A template no built-in chat wrapper knows, so that node-llama-cpp must run the
   * model's own Jinja template. A turn is `<|turn|>ROLE\nCONTENT<|end|>`.
   */
  chatTemplate:
    "{{ bos_token }}{% for message in messages %}<|turn|>{{ message['role'] }}\n{{ message['content'] }}<|end|>{% endfor %}" +
    '{% if add_generation_prompt %}<|turn|>assistant\n{% endif %}',
});

export const tinyModelVocabSize = tinyModel.byteTokenCount + 4;

const seed = 20_240_601;
const residualConstant = 16;
const disallowedLogitBias = -30;

/** GPT-2's reversible map from bytes to printable characters, so that every byte is a token text. */
function byteTokenTexts(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const texts: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) texts[b] = String.fromCodePoint(printable.includes(b) ? b : next++);
  return texts;
}

/** mulberry32 with Box-Muller: the same weights on every machine, hence the same answers. */
function normalRandom(seedValue: number): () => number {
  let state = seedValue >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

type Random = () => number;

function matrix(random: Random, inputs: number, outputs: number, scale: number): GgufWriteTensor['data'] {
  const data = new Float32Array(inputs * outputs);
  for (let i = 0; i < data.length; i++) data[i] = random() * scale;
  return data;
}

function ones(length: number): Float32Array {
  return new Float32Array(length).fill(1);
}

/** Zeroes output row 0 of a matrix, so that the layer never writes to residual dimension 0. */
function sparingDimensionZero(data: Float32Array, inputs: number): Float32Array {
  data.fill(0, 0, inputs);
  return data;
}

function embeddings(random: Random): Float32Array {
  const n = tinyModel.embeddingLength;
  const data = matrix(random, n, tinyModelVocabSize, 1);
  for (let token = 0; token < tinyModelVocabSize; token++) data[token * n] = residualConstant;
  return data;
}

function outputMatrix(random: Random): Float32Array {
  const n = tinyModel.embeddingLength;
  const data = matrix(random, n, tinyModelVocabSize, 1);
  // After the final norm, dimension 0 is about sqrt(n); this makes column 0 a logit bias.
  const perUnit = 1 / Math.sqrt(n);
  for (let token = 0; token < tinyModelVocabSize; token++) {
    const printable = token >= 0x20 && token <= 0x7e;
    data[token * n] = printable ? 0 : disallowedLogitBias * perUnit;
  }
  return data;
}

function blockTensors(random: Random, block: number): GgufWriteTensor[] {
  const n = tinyModel.embeddingLength;
  const headDim = n / tinyModel.headCount;
  const kv = headDim * tinyModel.headCountKv;
  const ff = tinyModel.feedForwardLength;
  const name = (tensor: string) => `blk.${block}.${tensor}.weight`;
  return [
    { name: name('attn_norm'), dims: [n], data: ones(n) },
    { name: name('attn_q'), dims: [n, n], data: matrix(random, n, n, 0.1) },
    { name: name('attn_k'), dims: [n, kv], data: matrix(random, n, kv, 0.1) },
    { name: name('attn_v'), dims: [n, kv], data: matrix(random, n, kv, 0.1) },
    { name: name('attn_output'), dims: [n, n], data: sparingDimensionZero(matrix(random, n, n, 0.05), n) },
    { name: name('ffn_norm'), dims: [n], data: ones(n) },
    { name: name('ffn_gate'), dims: [n, ff], data: matrix(random, n, ff, 0.1) },
    { name: name('ffn_down'), dims: [ff, n], data: sparingDimensionZero(matrix(random, ff, n, 0.05), ff) },
    { name: name('ffn_up'), dims: [n, ff], data: matrix(random, n, ff, 0.1) },
  ];
}

function metadata(): Array<readonly [string, GgufWriteValue]> {
  const m = tinyModel;
  const s = m.specials;
  const u32 = (value: number): GgufWriteValue => ({ type: 'uint32', value });
  const tokens = [...byteTokenTexts(), s.bos, s.eos, s.turn, s.end];
  const normal = 1;
  const control = 3;
  return [
    ['general.architecture', { type: 'string', value: m.architecture }],
    ['general.name', { type: 'string', value: m.name }],
    ['general.license', { type: 'string', value: m.license }],
    ['general.file_type', u32(0)],
    ['llama.context_length', u32(m.contextLength)],
    ['llama.embedding_length', u32(m.embeddingLength)],
    ['llama.block_count', u32(m.blockCount)],
    ['llama.feed_forward_length', u32(m.feedForwardLength)],
    ['llama.attention.head_count', u32(m.headCount)],
    ['llama.attention.head_count_kv', u32(m.headCountKv)],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: 1e-5 }],
    ['llama.rope.dimension_count', u32(m.embeddingLength / m.headCount)],
    ['llama.vocab_size', u32(tinyModelVocabSize)],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', values: tokens }],
    [
      'tokenizer.ggml.token_type',
      { type: 'array', itemType: 'int32', values: tokens.map((_, id) => (id < m.byteTokenCount ? normal : control)) },
    ],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', values: [] }],
    ['tokenizer.ggml.bos_token_id', u32(m.byteTokenCount)],
    ['tokenizer.ggml.eos_token_id', u32(m.byteTokenCount + 1)],
    ['tokenizer.ggml.eot_token_id', u32(m.byteTokenCount + 3)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: m.chatTemplate }],
  ];
}

/** The whole file, byte for byte the same on every run. */
export function tinyLlamaGguf(): Buffer {
  const random = normalRandom(seed);
  const n = tinyModel.embeddingLength;
  const tensors: GgufWriteTensor[] = [
    { name: 'token_embd.weight', dims: [n, tinyModelVocabSize], data: embeddings(random) },
    { name: 'output_norm.weight', dims: [n], data: ones(n) },
    { name: 'output.weight', dims: [n, tinyModelVocabSize], data: outputMatrix(random) },
  ];
  for (let block = 0; block < tinyModel.blockCount; block++) tensors.push(...blockTensors(random, block));
  return encodeGguf(metadata(), tensors);
}

/**
 * Writes the model to `path` unless a file is there already. It is written under a
 * temporary name and renamed into place, so that a reader (a test file running in
 * another process, or the engine) never sees half a file; 0600 like every file the
 * server creates.
 */
export async function writeTinyLlamaModel(path: string): Promise<void> {
  try {
    await access(path);
    return;
  } catch {
    // Not there yet: write it.
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, tinyLlamaGguf(), { mode: 0o600 });
  await rename(temporary, path);
}
