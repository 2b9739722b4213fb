import type { GgufHeader, GgufValue } from './gguf-header.js';

/** What the catalog wants to know about a model, as its GGUF header tells it. */
export interface GgufModelInfo {
  readonly architecture: string | null;
  readonly name: string | null;
  /** Who published the weights: `general.organization`, else `general.author`. */
  readonly origin: string | null;
  /** `general.license`, an SPDX id or a name, when the file names one. */
  readonly license: string | null;
  /** Counted from the tensor shapes, which every file has, rather than from optional metadata. */
  readonly parameterCount: number;
  readonly contextLength: number | null;
  readonly embeddingLength: number | null;
  readonly hasChatTemplate: boolean;
}

function text(value: GgufValue | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function whole(value: GgufValue | undefined): number | null {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

export function ggufModelInfo(header: GgufHeader): GgufModelInfo {
  const m = header.metadata;
  const architecture = text(m.get('general.architecture'));
  let parameterCount = 0;
  for (const tensor of header.tensors) parameterCount += tensor.dims.reduce((product, dim) => product * dim, 1);
  return {
    architecture,
    name: text(m.get('general.name')),
    origin: text(m.get('general.organization')) ?? text(m.get('general.author')),
    license: text(m.get('general.license')) ?? text(m.get('general.license.name')),
    parameterCount,
    contextLength: architecture === null ? null : whole(m.get(`${architecture}.context_length`)),
    embeddingLength: architecture === null ? null : whole(m.get(`${architecture}.embedding_length`)),
    hasChatTemplate: text(m.get('tokenizer.chat_template')) !== null,
  };
}
