export { DownloadError } from './download-error.js';
export { formatBytes, formatProgress } from './download-progress.js';
export { GgufFormatError } from './gguf-format-error.js';
export { readGgufHeader } from './gguf-header.js';
export { type GgufModelInfo, ggufModelInfo } from './gguf-model-info.js';
export { type DownloadProgress, downloadModelFile } from './model-download.js';
export { type ModelPull, type ModelPullRequest, ModelPulls } from './model-pulls.js';
export { downloadUrlOf, huggingFaceEndpoint, localModelPath, type ModelRef, parseModelRef } from './model-ref.js';
export { tinyLlamaGguf, tinyModel, tinyModelVocabSize, writeTinyLlamaModel } from './tiny-llama-model.js';
