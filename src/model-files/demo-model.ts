import { join } from 'node:path';
import { readGgufHeader } from './gguf-header.js';
import { type GgufModelInfo, ggufModelInfo } from './gguf-model-info.js';
import { tinyModel, writeTinyLlamaModel } from './tiny-llama-model.js';

export interface DemoModel {
  readonly path: string;
  readonly model: GgufModelInfo;
}

/**
 * The model of `init --demo`: the tiny random-weight llama, generated (in milliseconds)
 * into the models directory rather than downloaded, so that a first answer needs no
 * network and no model server. Its text is gibberish; the path to it is the real one.
 */
export async function writeDemoModel(modelsDir: string): Promise<DemoModel> {
  const path = join(modelsDir, 'demo', tinyModel.fileName);
  await writeTinyLlamaModel(path);
  return { path, model: ggufModelInfo(await readGgufHeader(path)) };
}
