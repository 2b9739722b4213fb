import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import type { LoadedModel } from './loaded-model.js';
import { ModelLifecycle, type ModelLoader } from './model-lifecycle.js';

/** Stands in for llama.cpp, which is outside this unit: each load waits for a `release()`. */
function fakeLoader(failWith?: () => unknown): {
  loader: ModelLoader;
  loads: number;
  disposed: number;
  release: () => void;
} {
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const state = {
    loads: 0,
    disposed: 0,
    release: () => open(),
    loader: async () => {
      state.loads += 1;
      await gate;
      gate = new Promise<void>((resolve) => (open = resolve));
      if (failWith !== undefined) throw failWith();
      const model: LoadedModel = {
        contextSize: 512,
        embeddingLength: 8,
        chat: () => Promise.reject(new Error('not used')),
        embed: () => Promise.reject(new Error('not used')),
        dispose: async () => {
          state.disposed += 1;
        },
      };
      return model;
    },
  };
  return state;
}

const longIdle = { idleUnloadMs: 600_000, loadRetryMs: 600_000 };

describe('ModelLifecycle', () => {
  it('shares one load between the requests that wait for it', async () => {
    const fake = fakeLoader();
    const lifecycle = new ModelLifecycle(fake.loader, longIdle);
    const first = lifecycle.acquire();
    const second = lifecycle.acquire();
    assert.equal(lifecycle.snapshot().state, 'loading');
    fake.release();
    assert.equal(await first, await second);
    assert.equal(fake.loads, 1);
    assert.equal(lifecycle.snapshot().state, 'ready');
    lifecycle.release();
    lifecycle.release();
    await lifecycle.close();
    assert.equal(fake.disposed, 1);
    assert.equal(lifecycle.snapshot().state, 'unloaded');
  });

  it('never unloads a model in use, and unloads it once idle', async () => {
    const fake = fakeLoader();
    const lifecycle = new ModelLifecycle(fake.loader, longIdle);
    const using = lifecycle.acquire();
    fake.release();
    await using;
    await lifecycle.unloadIfIdle();
    assert.equal(lifecycle.snapshot().state, 'ready');
    lifecycle.release();
    await lifecycle.unloadIfIdle();
    assert.equal(lifecycle.snapshot().state, 'unloaded');
    assert.equal(fake.disposed, 1);
    const again = lifecycle.acquire();
    fake.release();
    await again;
    assert.equal(fake.loads, 2);
    lifecycle.release();
    await lifecycle.close();
  });

  it('keeps a load failure, with a reason safe to show, until loadRetryMs has passed', async () => {
    const fake = fakeLoader(() => new Error('ENOMEM at /secret/path/model.gguf'));
    const lifecycle = new ModelLifecycle(fake.loader, longIdle);
    const loading = lifecycle.acquire();
    fake.release();
    await assert.rejects(loading, (error) => error instanceof CommonwealError && error.code === 'engine_unavailable');
    assert.equal(lifecycle.snapshot().state, 'failed');
    assert.doesNotMatch(lifecycle.snapshot().reason!, /secret/);
    await assert.rejects(lifecycle.acquire(), CommonwealError);
    assert.equal(fake.loads, 1, 'no second load within loadRetryMs');
    await lifecycle.close();
  });

  it('tries again after loadRetryMs', async () => {
    const failure = new CommonwealError('engine_unavailable', 'the model file does not exist or cannot be read');
    const fake = fakeLoader(() => failure);
    const lifecycle = new ModelLifecycle(fake.loader, { idleUnloadMs: 600_000, loadRetryMs: 0 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const loading = lifecycle.acquire();
      fake.release();
      await assert.rejects(loading, (error) => error === failure);
    }
    assert.equal(fake.loads, 2);
    assert.equal(lifecycle.snapshot().reason, failure.message);
    await lifecycle.close();
  });
});
