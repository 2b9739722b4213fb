import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import {
  type DownloadProgress,
  formatBytes,
  formatProgress,
  type GgufModelInfo,
  huggingFaceEndpoint,
  type ModelPull,
  type ModelRef,
  parseModelRef,
} from '../model-files/index.js';
import { type AdminHttpClient, CliError } from './admin-http-client.js';
import { parseEngineOptions, parseInteger } from './option-parsers.js';

interface PullOptions {
  readonly id?: string;
  readonly sha256?: string;
  readonly inputPrice: number;
  readonly outputPrice: number;
  readonly site?: string;
  readonly deployment?: string;
  readonly engineOptions?: Record<string, number | string> | null;
  readonly register: boolean;
  readonly hfEndpoint: string;
}

const progressIntervalMs = 1_000;
// Often enough for the progress line to move smoothly, rarely enough to cost the server nothing.
const pollIntervalMs = 250;

/** A catalog id from a file name: `Qwen2.5-0.5B-Instruct-Q4_K_M.gguf` → `qwen2.5-0.5b-instruct-q4_k_m`. */
function modelIdFrom(path: string): string {
  const stem = basename(path)
    .replace(/\.gguf$/i, '')
    .toLowerCase();
  return (
    stem
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 128) || 'model'
  );
}

/** Progress on stderr: redrawn in place on a terminal, a line a second otherwise. */
function progressPrinter(): { readonly onProgress: (p: DownloadProgress) => void; readonly end: () => void } {
  const startedAtMs = performance.now();
  let printedAtMs = -Infinity;
  let last: DownloadProgress | null = null;
  let lastPrinted: DownloadProgress | null = null;
  const print = (final: boolean) => {
    if (last === null || (final && last === lastPrinted && !process.stderr.isTTY)) return;
    lastPrinted = last;
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

/**
 * Has the server pull the file into its own models directory and follows the pull to its
 * end. The loop ends because the server ends every pull: a download without a byte for
 * its idle timeout fails.
 */
async function pullOnServer(
  client: AdminHttpClient,
  ref: ModelRef,
  source: string,
  options: PullOptions,
): Promise<ModelPull> {
  const body = { source, sha256: options.sha256, hfEndpoint: ref.kind === 'hf' ? options.hfEndpoint : undefined };
  let pull = await client.call<ModelPull>('POST', '/model-pulls', body);
  if (ref.kind !== 'file') console.error(`the server is downloading ${source}\n       to ${pull.path}`);
  const progress = progressPrinter();
  while (pull.state === 'running') {
    await sleep(pollIntervalMs);
    pull = await client.call<ModelPull>('GET', `/model-pulls/${encodeURIComponent(pull.id)}`);
    if (pull.progress !== null) progress.onProgress(pull.progress);
  }
  progress.end();
  if (pull.state === 'failed') throw new CliError(pull.error ?? 'the pull failed');
  const { download } = pull;
  if (download !== null) {
    const how = download.alreadyPresent
      ? 'already downloaded'
      : download.resumedFromBytes > 0
        ? `resumed at ${formatBytes(download.resumedFromBytes)}`
        : 'downloaded';
    console.error(`${how}: ${formatBytes(download.sizeBytes)}, sha256 ${download.sha256}`);
  }
  return pull;
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
    await client.call('POST', '/deployments', {
      id,
      modelId,
      siteId: options.site,
      kind: 'embedded',
      source,
      engineOptions,
    });
    console.log(`deployed ${modelId} at ${options.site} as ${id} (embedded; loaded on its first request)`);
  } catch (error) {
    if (!(error instanceof CliError) || error.status !== 409) throw error;
    console.log(`deployment ${id} exists already; left as it is`);
  }
}

export function modelsPullCommand(client: () => AdminHttpClient): Command {
  return new Command('pull')
    .description(
      'have the server download a GGUF model into its data directory, ' +
        'and register it in the catalog with the metadata of its header',
    )
    .argument(
      '<ref>',
      'hf:<user>/<repo>/<file>.gguf (optionally #revision), an http(s) URL of a .gguf file, or an absolute path to one',
    )
    .option('--id <id>', 'catalog model id (default: from the file name)')
    .option('--sha256 <hex>', 'the SHA-256 the file must have (Hugging Face files are checked against their own)')
    .option('--input-price <micro>', 'micro-credits per million input tokens for a new catalog entry', parseInteger, 0)
    .option(
      '--output-price <micro>',
      'micro-credits per million output tokens for a new catalog entry',
      parseInteger,
      0,
    )
    .option('--site <id>', 'also deploy the model, embedded, at this site')
    .option('--deployment <id>', 'id of that deployment (default: <model id>-<site id>)')
    .option(
      '--engine-options <list>',
      "that deployment's engine options, e.g. contextSize=4096,parallelSequences=2,threads=8",
      parseEngineOptions,
    )
    .option('--hf-endpoint <url>', 'a Hugging Face mirror to download hf: references from', huggingFaceEndpoint)
    .option('--no-register', 'only download; leave the catalog alone')
    .addHelpText(
      'after',
      '\nThe server downloads into <its data directory>/models, so this works from any machine. An interrupted\n' +
        'download resumes where it stopped when the command is run again; stopping this command leaves the\n' +
        'server downloading, and running it again follows that download. The file is verified (size, and\n' +
        'SHA-256 when known) before it takes its name, so a model file is always whole.\n\n' +
        'Example:\n  commonweal models pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf --site fra-1',
    )
    .action(async (refText: string, options: PullOptions) => {
      let ref: ModelRef;
      try {
        ref = parseModelRef(refText);
      } catch (error) {
        throw new CliError(`"${refText}" is not a model reference: ${(error as Error).message}`);
      }
      const pull = await pullOnServer(client(), ref, refText, options);
      const info = pull.model!;
      const params = `${info.parameterCount.toLocaleString('en-US')} parameters`;
      console.log(
        `${info.name ?? basename(pull.path)}: ${info.architecture ?? 'unknown architecture'}, ${params}, ` +
          `context ${info.contextLength ?? '?'}, license ${info.license ?? 'not stated'}`,
      );
      if (!options.register) return;
      const id = options.id ?? modelIdFrom(pull.path);
      await register(client(), id, info, options);
      // hf: references stay portable between machines; URLs and paths are served from the file.
      await deploy(client(), id, ref.kind === 'hf' ? refText : pull.path, options);
    });
}
