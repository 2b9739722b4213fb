import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { loadServerConfig } from '../config/index.js';
import {
  DownloadError,
  type DownloadProgress,
  downloadModelFile,
  downloadUrlOf,
  formatBytes,
  formatProgress,
  GgufFormatError,
  type GgufModelInfo,
  ggufModelInfo,
  huggingFaceEndpoint,
  localModelPath,
  type ModelRef,
  parseModelRef,
  readGgufHeader,
} from '../model-files/index.js';
import { type AdminHttpClient, CliError } from './admin-http-client.js';
import { parseEngineOptions, parseInteger } from './option-parsers.js';

interface PullOptions {
  readonly id?: string;
  readonly sha256?: string;
  readonly dataDir?: string;
  readonly config?: string;
  readonly inputPrice: number;
  readonly outputPrice: number;
  readonly site?: string;
  readonly deployment?: string;
  readonly engineOptions?: Record<string, number | string> | null;
  readonly register: boolean;
  readonly hfEndpoint: string;
}

const progressIntervalMs = 1_000;

/** A catalog id from a file name: `Qwen2.5-0.5B-Instruct-Q4_K_M.gguf` → `qwen2.5-0.5b-instruct-q4_k_m`. */
function modelIdFrom(path: string): string {
  const stem = basename(path).replace(/\.gguf$/i, '').toLowerCase();
  return stem.replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 128) || 'model';
}

/** Progress on stderr: redrawn in place on a terminal, a line a second otherwise. */
function progressPrinter(): { readonly onProgress: (p: DownloadProgress) => void; readonly end: () => void } {
  const startedAtMs = performance.now();
  let printedAtMs = -Infinity;
  let last: DownloadProgress | null = null;
  const print = (final: boolean) => {
    if (last === null) return;
    const line = formatProgress(last, performance.now() - startedAtMs);
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(72)}${final ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
  return {
    onProgress: (progress) => {
      last = progress;
      if (performance.now() - printedAtMs < progressIntervalMs) return;
      printedAtMs = performance.now();
      print(false);
    },
    end: () => print(true),
  };
}

async function fetchFile(ref: ModelRef, path: string, options: PullOptions): Promise<void> {
  const url = downloadUrlOf(ref, options.hfEndpoint);
  if (url === null) {
    try {
      await access(path);
    } catch {
      throw new CliError(`${path} does not exist or cannot be read`);
    }
    return;
  }
  console.error(`downloading ${url.href}\n       to ${path}`);
  const progress = progressPrinter();
  try {
    const result = await downloadModelFile({ url, destination: path, expectedSha256: options.sha256, onProgress: progress.onProgress });
    progress.end();
    const how = result.alreadyPresent ? 'already downloaded' : result.resumedFromBytes > 0 ? `resumed at ${formatBytes(result.resumedFromBytes)}` : 'downloaded';
    console.error(`${how}: ${formatBytes(result.sizeBytes)}, sha256 ${result.sha256}`);
  } catch (error) {
    progress.end();
    if (error instanceof DownloadError) throw new CliError(`cannot download ${url.href}: ${error.message}`);
    throw error;
  }
}

async function readInfo(path: string): Promise<GgufModelInfo> {
  try {
    return ggufModelInfo(await readGgufHeader(path));
  } catch (error) {
    if (error instanceof GgufFormatError) throw new CliError(`${path} is not a usable GGUF model: ${error.message}`);
    throw error;
  }
}

/** Creates the catalog entry, or brings the metadata of an existing one up to date. */
async function register(client: AdminHttpClient, id: string, info: GgufModelInfo, options: PullOptions): Promise<void> {
  const metadata = {
    family: info.architecture,
    origin: info.origin,
    license: info.license,
    parameterCount: info.parameterCount,
    contextLength: info.contextLength,
  };
  try {
    await client.call('POST', '/models', {
      id,
      ...metadata,
      inputPriceMicroPerMtok: options.inputPrice,
      outputPriceMicroPerMtok: options.outputPrice,
      tags: ['gguf', 'open-weight'],
    });
    console.log(`registered model ${id}`);
  } catch (error) {
    if (!(error instanceof CliError) || error.status !== 409) throw error;
    await client.call('PATCH', `/models/${encodeURIComponent(id)}`, metadata);
    console.log(`model ${id} was in the catalog already; its metadata is updated`);
  }
}

async function deploy(client: AdminHttpClient, modelId: string, source: string, options: PullOptions): Promise<void> {
  if (options.site === undefined) return;
  const id = options.deployment ?? `${modelId}-${options.site}`.slice(0, 64);
  const engineOptions = options.engineOptions ?? undefined;
  try {
    await client.call('POST', '/deployments', { id, modelId, siteId: options.site, kind: 'embedded', source, engineOptions });
    console.log(`deployed ${modelId} at ${options.site} as ${id} (embedded; loaded on its first request)`);
  } catch (error) {
    if (!(error instanceof CliError) || error.status !== 409) throw error;
    console.log(`deployment ${id} exists already; left as it is`);
  }
}

export function modelsPullCommand(client: () => AdminHttpClient): Command {
  return new Command('pull')
    .description('download a GGUF model into the data directory and register it in the catalog with the metadata of its header')
    .argument('<ref>', 'hf:<user>/<repo>/<file>.gguf (optionally #revision), an http(s) URL of a .gguf file, or an absolute path to one')
    .option('--id <id>', 'catalog model id (default: from the file name)')
    .option('--sha256 <hex>', 'the SHA-256 the file must have (Hugging Face files are checked against their own)')
    .option('--data-dir <dir>', 'the server data directory; files go to <dir>/models (env COMMONWEAL_DATA_DIR; default ./.commonweal)')
    .option('--config <file>', 'the server config file, to find its data directory (env COMMONWEAL_CONFIG)')
    .option('--input-price <micro>', 'micro-credits per million input tokens for a new catalog entry', parseInteger, 0)
    .option('--output-price <micro>', 'micro-credits per million output tokens for a new catalog entry', parseInteger, 0)
    .option('--site <id>', 'also deploy the model, embedded, at this site')
    .option('--deployment <id>', 'id of that deployment (default: <model id>-<site id>)')
    .option('--engine-options <list>', 'that deployment\'s engine options, e.g. contextSize=4096,parallelSequences=2,threads=8', parseEngineOptions)
    .option('--hf-endpoint <url>', 'a Hugging Face mirror to download hf: references from', huggingFaceEndpoint)
    .option('--no-register', 'only download; leave the catalog alone')
    .addHelpText(
      'after',
      '\nAn interrupted download resumes where it stopped when the command is run again. The file is\n' +
        'verified (size, and SHA-256 when known) before it takes its name, so a model file is always whole.\n\n' +
        'Example:\n  commonweal models pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf --site fra-1',
    )
    .action(async (refText: string, options: PullOptions) => {
      let ref: ModelRef;
      try {
        ref = parseModelRef(refText);
      } catch (error) {
        throw new CliError(`"${refText}" is not a model reference: ${(error as Error).message}`);
      }
      const config = loadServerConfig({ configFile: options.config, dataDir: options.dataDir });
      const path = localModelPath(ref, join(config.dataDir, 'models'));
      await fetchFile(ref, path, options);
      const info = await readInfo(path);
      const params = `${info.parameterCount.toLocaleString('en-US')} parameters`;
      console.log(`${info.name ?? basename(path)}: ${info.architecture ?? 'unknown architecture'}, ${params}, context ${info.contextLength ?? '?'}, license ${info.license ?? 'not stated'}`);
      if (!options.register) return;
      const id = options.id ?? modelIdFrom(path);
      await register(client(), id, info, options);
      // hf: references stay portable between machines; URLs and paths are served from the file.
      await deploy(client(), id, ref.kind === 'hf' ? refText : path, options);
    });
}
