import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { RangeFileServer } from '../../test/helpers/range-file-server.js';
import { DownloadError } from './download-error.js';
import { formatProgress } from './download-progress.js';
import { type DownloadProgress, downloadModelFile } from './model-download.js';

const file = randomBytes(1024 * 1024 + 333);
const fileSha256 = createHash('sha256').update(file).digest('hex');

describe('downloadModelFile', () => {
  let files: RangeFileServer;
  let dir: string;
  let destination: string;

  before(async () => {
    files = await RangeFileServer.start({ 'model.gguf': file });
  });

  after(() => files.close());

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function fresh(): string {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-download-'));
    destination = join(dir, 'models', 'sub', 'model.gguf');
    return destination;
  }

  it('downloads the file, reports progress and verifies the SHA-256 it was given', async () => {
    const progress: DownloadProgress[] = [];
    const result = await downloadModelFile({
      url: new URL(`${files.origin}/model.gguf`),
      destination: fresh(),
      expectedSha256: fileSha256,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(readFileSync(destination), file);
    assert.equal(result.sha256, fileSha256);
    assert.equal(result.sizeBytes, file.length);
    assert.equal(result.alreadyPresent, false);
    assert.equal(progress.at(-1)?.receivedBytes, file.length);
    assert.equal(progress.at(-1)?.totalBytes, file.length);
    assert.ok(!existsSync(`${destination}.part`));
  });

  it('creates the file 0600 and its folders 0700 whatever the umask', async () => {
    // The umask is the process's; node --test runs each test file in its own process.
    const umask = process.umask(0o000);
    try {
      await downloadModelFile({ url: new URL(`${files.origin}/model.gguf`), destination: fresh() });
    } finally {
      process.umask(umask);
    }
    assert.equal(statSync(destination).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'models')).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'models', 'sub')).mode & 0o777, 0o700);
  });

  it('resumes an interrupted download where it stopped', async () => {
    files.fault = { kind: 'cut_after', bytes: 400_000 };
    const url = new URL(`${files.origin}/model.gguf`);
    await assert.rejects(
      downloadModelFile({ url, destination: fresh() }),
      (error) => error instanceof DownloadError && /run the same command again to resume/.test(error.message),
    );
    assert.ok(!existsSync(destination), 'an incomplete file never takes the final name');
    const kept = statSync(`${destination}.part`).size;
    assert.ok(kept > 0 && kept < file.length);
    const result = await downloadModelFile({ url, destination, expectedSha256: fileSha256 });
    assert.equal(files.ranges.at(-1), `bytes=${kept}-`);
    assert.equal(result.resumedFromBytes, kept);
    assert.deepEqual(readFileSync(destination), file);
  });

  it('starts again from the beginning when the server cannot resume', async () => {
    fresh();
    mkdirSync(join(dir, 'models', 'sub'), { recursive: true });
    writeFileSync(`${destination}.part`, Buffer.alloc(1000, 7));
    files.fault = { kind: 'ignore_range' };
    const result = await downloadModelFile({
      url: new URL(`${files.origin}/model.gguf`),
      destination,
      expectedSha256: fileSha256,
    });
    assert.equal(result.resumedFromBytes, 0);
    assert.deepEqual(readFileSync(destination), file);
  });

  it('refuses a file whose SHA-256 is not the expected one and removes it', async () => {
    const wrong = 'a'.repeat(64);
    await assert.rejects(
      downloadModelFile({ url: new URL(`${files.origin}/model.gguf`), destination: fresh(), expectedSha256: wrong }),
      (error) => error instanceof DownloadError && error.message.includes(`not the expected ${wrong}`),
    );
    assert.ok(!existsSync(destination));
    assert.ok(!existsSync(`${destination}.part`));
  });

  it('verifies a Hugging Face file against the size and hash its redirect announces', async () => {
    const result = await downloadModelFile({ url: new URL(`${files.origin}/hf/model.gguf`), destination: fresh() });
    assert.equal(result.sha256, fileSha256);
    files.linkedSha256 = 'b'.repeat(64);
    try {
      await assert.rejects(
        downloadModelFile({ url: new URL(`${files.origin}/hf/model.gguf`), destination: join(dir, 'other.gguf') }),
        /not the expected b{64}/,
      );
    } finally {
      files.linkedSha256 = null;
    }
  });

  it('keeps a file that is already there after checking it', async () => {
    fresh();
    await downloadModelFile({ url: new URL(`${files.origin}/model.gguf`), destination });
    const requests = files.ranges.length;
    const again = await downloadModelFile({
      url: new URL(`${files.origin}/model.gguf`),
      destination,
      expectedSha256: fileSha256,
    });
    assert.equal(again.alreadyPresent, true);
    assert.equal(files.ranges.length, requests, 'nothing was downloaded again');
  });

  it('says what the server answered for a file it does not have', async () => {
    await assert.rejects(
      downloadModelFile({ url: new URL(`${files.origin}/missing.gguf`), destination: fresh() }),
      /answered 404/,
    );
  });

  it('fails with a message, not a stack trace, without a network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    for (const url of [`http://127.0.0.1:${port}/model.gguf`, 'https://models.invalid/model.gguf']) {
      await assert.rejects(
        downloadModelFile({ url: new URL(url), destination: fresh(), idleTimeoutMs: 10_000 }),
        (error) =>
          error instanceof DownloadError &&
          /^cannot reach \S+ \((ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\): check the network/.test(error.message),
        url,
      );
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formatProgress', () => {
  it('shows bytes, share, speed and time left', () => {
    const line = formatProgress(
      { receivedBytes: 250_000_000, totalBytes: 1_000_000_000, resumedFromBytes: 50_000_000 },
      10_000,
    );
    assert.equal(line, '250.0 MB / 1.00 GB  25%  20.0 MB/s  ETA 38s');
  });

  it('leaves out what it cannot know', () => {
    assert.equal(formatProgress({ receivedBytes: 512, totalBytes: null, resumedFromBytes: 0 }, 0), '512 B  0 B/s');
  });
});
