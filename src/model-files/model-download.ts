import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DownloadError } from './download-error.js';

export interface DownloadProgress {
  readonly receivedBytes: number;
  /** Null until the server says how large the file is. */
  readonly totalBytes: number | null;
  /** Bytes already on disk from an interrupted download when this one started. */
  readonly resumedFromBytes: number;
}

export interface DownloadOptions {
  readonly url: URL;
  readonly destination: string;
  /** Hex; when absent, a Hugging Face file's own hash (its `x-linked-etag`) is used. */
  readonly expectedSha256?: string | null | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** Time without a byte, connecting included, before the download is given up (and can be resumed). */
  readonly idleTimeoutMs?: number | undefined;
  readonly sizeBytesMax?: number | undefined;
}

export interface DownloadResult {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly resumedFromBytes: number;
  readonly alreadyPresent: boolean;
}

const redirectsMax = 5;
const idleTimeoutDefaultMs = 30_000;
// Larger than any GGUF model published so far; a server announcing more is not serving one.
const sizeBytesMaxDefault = 2 * 1024 ** 4;
const sha256Pattern = /^[0-9a-f]{64}$/;

/** What the server said about the file, collected across redirects. */
interface Answer {
  readonly response: Response;
  readonly linkedSizeBytes: number | null;
  readonly linkedSha256: string | null;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

async function hashFile(path: string, hash: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

function networkError(url: URL, error: unknown): DownloadError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new DownloadError(
    `cannot reach ${url.host} (${reason}): check the network, or copy the file to this machine and use its path; ` +
      'run the same command again to resume',
    { cause: error },
  );
}

/**
 * Follows redirects by hand, so that Hugging Face's first answer, which carries the
 * file's size and SHA-256 (`x-linked-size`, `x-linked-etag`) before sending the client
 * on to its CDN, is not lost.
 */
async function request(url: URL, startAtBytes: number, signal: AbortSignal): Promise<Answer> {
  let linkedSizeBytes: number | null = null;
  let linkedSha256: string | null = null;
  let current = url;
  for (let hop = 0; hop <= redirectsMax; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'commonweal-models-pull' };
    if (startAtBytes > 0) headers.range = `bytes=${startAtBytes}-`;
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: 'manual', signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw networkError(current, error);
    }
    const size = Number(response.headers.get('x-linked-size') ?? NaN);
    if (Number.isSafeInteger(size)) linkedSizeBytes = size;
    const etag = response.headers.get('x-linked-etag')?.replaceAll('"', '').toLowerCase();
    if (etag !== undefined && sha256Pattern.test(etag)) linkedSha256 = etag;
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null)
      return { response, linkedSizeBytes, linkedSha256 };
    await response.body?.cancel();
    current = new URL(location, current);
  }
  throw new DownloadError(`${url.host} redirected more than ${redirectsMax} times`);
}

/** Where the body starts and how large the whole file is, from a 200 or 206 answer. */
function placement(
  answer: Answer,
  startAtBytes: number,
): { readonly startAtBytes: number; readonly totalBytes: number | null } {
  const { response } = answer;
  if (response.status === 206) {
    const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (match === null || Number(match[1]) !== startAtBytes)
      throw new DownloadError('the server resumed the download at another place than asked');
    return { startAtBytes, totalBytes: match[2] === '*' ? answer.linkedSizeBytes : Number(match[2]) };
  }
  // A 200 to a range request means the server cannot resume: start again from the beginning.
  const length = Number(response.headers.get('content-length') ?? NaN);
  return { startAtBytes: 0, totalBytes: Number.isSafeInteger(length) ? length : answer.linkedSizeBytes };
}

/**
 * Downloads a model file into `destination`, resuming from `<destination>.part` when an
 * earlier download was interrupted, and verifying its size and SHA-256 before it takes
 * the file's name: a file at `destination` is always whole. A file already there is
 * verified and kept.
 */
export async function downloadModelFile(options: DownloadOptions): Promise<DownloadResult> {
  const { destination } = options;
  const expected = options.expectedSha256?.toLowerCase() ?? null;
  if (expected !== null && !sha256Pattern.test(expected))
    throw new DownloadError('the expected SHA-256 must be 64 hexadecimal digits');
  const presentBytes = await sizeOf(destination);
  if (presentBytes !== null) {
    const sha256 = (await hashFile(destination)).digest('hex');
    if (expected !== null && sha256 !== expected)
      throw new DownloadError(`${destination} exists with another SHA-256 (${sha256}); move it away to download again`);
    return { path: destination, sizeBytes: presentBytes, sha256, resumedFromBytes: 0, alreadyPresent: true };
  }
  await mkdir(dirname(destination), { recursive: true, mode: 0o700 });
  return transfer(options, expected, `${destination}.part`);
}

async function transfer(options: DownloadOptions, expected: string | null, partial: string): Promise<DownloadResult> {
  const idleTimeoutMs = options.idleTimeoutMs ?? idleTimeoutDefaultMs;
  const idle = new AbortController();
  const giveUp = () =>
    idle.abort(new DownloadError(`no data for ${idleTimeoutMs} ms: run the same command again to resume`));
  let timer = setTimeout(giveUp, idleTimeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(giveUp, idleTimeoutMs);
  };
  const signal = options.signal === undefined ? idle.signal : AbortSignal.any([idle.signal, options.signal]);
  try {
    const answer = await request(options.url, (await sizeOf(partial)) ?? 0, signal);
    return await receive(options, expected, partial, answer, { signal, touch });
  } finally {
    clearTimeout(timer);
  }
}

async function receive(
  options: DownloadOptions,
  expected: string | null,
  partial: string,
  answer: Answer,
  io: { readonly signal: AbortSignal; readonly touch: () => void },
): Promise<DownloadResult> {
  const { response } = answer;
  const onDisk = (await sizeOf(partial)) ?? 0;
  if (response.status === 416 && onDisk > 0)
    return finish(options, expected ?? answer.linkedSha256, partial, onDisk, onDisk);
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new DownloadError(
      `${options.url.host} answered ${response.status} ${response.statusText} for ${options.url.pathname}`,
    );
  }
  const { startAtBytes, totalBytes } = placement(answer, onDisk);
  const sizeBytesMax = options.sizeBytesMax ?? sizeBytesMaxDefault;
  if (totalBytes !== null && totalBytes > sizeBytesMax)
    throw new DownloadError(`the file is ${totalBytes} bytes, more than the limit of ${sizeBytesMax}`);
  // 0600 whatever the umask, like every file in the data directory; the finished file keeps it.
  const file = await open(partial, startAtBytes === 0 ? 'w' : 'a', 0o600);
  let receivedBytes = startAtBytes;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      io.touch();
      receivedBytes += chunk.length;
      if (receivedBytes > (totalBytes ?? sizeBytesMax))
        throw new DownloadError(`the server sent more than the ${totalBytes ?? sizeBytesMax} bytes it announced`);
      await file.write(chunk);
      options.onProgress?.({ receivedBytes, totalBytes, resumedFromBytes: startAtBytes });
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    if (io.signal.aborted) throw io.signal.reason;
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    const message = `the connection to ${options.url.host} was lost after ${receivedBytes} bytes (${reason}): run the same command again to resume`;
    throw new DownloadError(message, { cause: error });
  } finally {
    await file.close();
  }
  if (totalBytes !== null && receivedBytes !== totalBytes) {
    throw new DownloadError(
      `the download stopped at ${receivedBytes} of ${totalBytes} bytes: run the same command again to resume`,
    );
  }
  return finish(options, expected ?? answer.linkedSha256, partial, receivedBytes, startAtBytes);
}

async function finish(
  options: DownloadOptions,
  expected: string | null,
  partial: string,
  sizeBytes: number,
  resumedFromBytes: number,
): Promise<DownloadResult> {
  const sha256 = (await hashFile(partial)).digest('hex');
  if (expected !== null && sha256 !== expected) {
    // A corrupt file cannot be repaired by resuming it: the next attempt starts afresh.
    await rm(partial, { force: true });
    throw new DownloadError(
      `the file's SHA-256 is ${sha256}, not the expected ${expected}; the download was removed, run the command again`,
    );
  }
  await rename(partial, options.destination);
  return { path: options.destination, sizeBytes, sha256, resumedFromBytes, alreadyPresent: false };
}
