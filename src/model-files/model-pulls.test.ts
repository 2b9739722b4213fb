import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RangeFileServer } from '../../test/helpers/range-file-server.js';
import { CommonwealError } from '../errors/index.js';
import { type ModelPull, ModelPulls } from './model-pulls.js';
import { tinyLlamaGguf, tinyModel } from './tiny-llama-model.js';

const model = tinyLlamaGguf();
const sentBeforeStall = 100_000;

/**
 * Sends the first bytes of the model, then nothing more, as a download under way; a
 * request for the rest (a resumed download) gets it whole.
 */
async function stallingServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? NaN);
    if (Number.isSafeInteger(from)) {
      const range = `bytes ${from}-${model.length - 1}/${model.length}`;
      res.writeHead(206, { 'content-length': String(model.length - from), 'content-range': range });
      res.end(model.subarray(from));
      return;
    }
    res.writeHead(200, { 'content-length': String(model.length) });
    res.write(model.subarray(0, sentBeforeStall));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function ended(pulls: ModelPulls, id: string): Promise<ModelPull> {
  for (let look = 0; look < 400; look++) {
    const pull = pulls.find(id)!;
    if (pull.state !== 'running') return pull;
    await sleep(10);
  }
  throw new Error(`pull ${id} still running`);
}

async function untilReceived(pulls: ModelPulls, id: string, bytes: number): Promise<void> {
  for (let look = 0; look < 400 && (pulls.find(id)!.progress?.receivedBytes ?? 0) < bytes; look++) await sleep(10);
}

describe('ModelPulls', () => {
  let dir: string;
  let stalling: Server;
  let files: RangeFileServer;
  const unexpected: unknown[] = [];
  const options = () => ({
    modelsDir: join(dir, 'models'),
    concurrentMax: 1,
    onUnexpected: (error: unknown) => unexpected.push(error),
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commonweal-pulls-'));
    stalling = await stallingServer();
    files = await RangeFileServer.start({ 'tiny.gguf': model });
  });

  after(async () => {
    stalling.closeAllConnections();
    stalling.close();
    await files.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("downloads into the models directory and reads the model's metadata", async () => {
    const pulls = new ModelPulls(options());
    const started = pulls.start({ source: `${files.origin}/tiny.gguf` });
    assert.equal(started.state, 'running');
    const pull = await ended(pulls, started.id);
    assert.equal(pull.state, 'succeeded', pull.error ?? '');
    assert.ok(pull.path.startsWith(join(dir, 'models', 'url')));
    assert.deepEqual(readFileSync(pull.path), model);
    assert.equal(pull.model?.contextLength, tinyModel.contextLength);
    assert.deepEqual(pull.progress, { receivedBytes: model.length, totalBytes: model.length, resumedFromBytes: 0 });
    await pulls.close();
  });

  it('bounds pulls at once, follows one file with one pull, and leaves a resumable file on shutdown', async () => {
    const source = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/stalled.gguf`;
    const first = new ModelPulls(options());
    const running = first.start({ source });
    assert.equal(first.start({ source }).id, running.id, 'a second pull of the same file follows the first');
    assert.throws(
      () => first.start({ source: `${files.origin}/tiny.gguf` }),
      (error) => error instanceof CommonwealError && error.code === 'overloaded',
    );
    await untilReceived(first, running.id, sentBeforeStall);
    await first.close();
    const stopped = first.find(running.id)!;
    assert.equal(stopped.state, 'failed');
    assert.match(stopped.error!, /^cannot download .*stalled\.gguf: the server shut down; pull again to resume$/);
    assert.equal(statSync(`${stopped.path}.part`).size, sentBeforeStall);
    assert.ok(!existsSync(stopped.path));
    // As after a restart: a new ModelPulls on the same directory resumes the file.
    const second = new ModelPulls(options());
    const resumed = await ended(second, second.start({ source }).id);
    assert.equal(resumed.state, 'succeeded', resumed.error ?? '');
    assert.equal(resumed.download?.resumedFromBytes, sentBeforeStall);
    assert.deepEqual(readFileSync(resumed.path), model);
    await second.close();
  });

  it('reports a source that is not a file on the server, and refuses one that is no reference', async () => {
    const pulls = new ModelPulls(options());
    const missing = join(dir, 'nowhere.gguf');
    const pull = await ended(pulls, pulls.start({ source: missing }).id);
    assert.equal(pull.error, `${missing} does not exist or cannot be read`);
    const notReference = (e: unknown) => e instanceof CommonwealError && e.code === 'invalid_request';
    assert.throws(() => pulls.start({ source: 'relative.gguf' }), notReference);
    assert.deepEqual(unexpected, []);
    await pulls.close();
  });
});
