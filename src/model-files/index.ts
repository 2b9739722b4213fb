export { DownloadError } from './download-error.js';
export { formatBytes, formatProgress } from './download-progress.js';
export { GgufFormatError } from './gguf-format-error.js';
export { type GgufArray, type GgufHeader, type GgufReadLimits, type GgufTensorInfo, type GgufValue, ggufReadDefaults, readGgufHeader } from './gguf-header.js';
export { type GgufModelInfo, ggufModelInfo } from './gguf-model-info.js';
export { type DownloadOptions, type DownloadProgress, type DownloadResult, downloadModelFile } from './model-download.js';
export { downloadUrlOf, huggingFaceEndpoint, localModelPath, type ModelRef, parseModelRef } from './model-ref.js';
