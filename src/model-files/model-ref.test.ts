import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downloadUrlOf, localModelPath, parseModelRef } from './model-ref.js';

describe('parseModelRef', () => {
  it('reads Hugging Face references as node-llama-cpp writes them', () => {
    const ref = parseModelRef('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf');
    assert.deepEqual(ref, {
      kind: 'hf',
      user: 'Qwen',
      repo: 'Qwen2.5-0.5B-Instruct-GGUF',
      file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      revision: 'main',
    });
    assert.equal(
      downloadUrlOf(ref)?.href,
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    );
    assert.equal(
      localModelPath(ref, '/data/models'),
      '/data/models/hf/Qwen/Qwen2.5-0.5B-Instruct-GGUF/main/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    );
  });

  it('takes a revision and files in subfolders, and a mirror to download from', () => {
    const ref = parseModelRef('hf:org/repo/q4/model.gguf#v1.2');
    assert.deepEqual(ref, { kind: 'hf', user: 'org', repo: 'repo', file: 'q4/model.gguf', revision: 'v1.2' });
    assert.equal(
      downloadUrlOf(ref, 'https://hf-mirror.example.gov/')?.href,
      'https://hf-mirror.example.gov/org/repo/resolve/v1.2/q4/model.gguf',
    );
  });

  it('keeps URLs and absolute paths', () => {
    const url = parseModelRef('https://models.example.org/llama/tiny.gguf');
    assert.equal(localModelPath(url, '/m'), '/m/url/models.example.org/llama/tiny.gguf');
    assert.equal(localModelPath(parseModelRef('http://10.0.0.9:8000/a.gguf'), '/m'), '/m/url/10.0.0.9_8000/a.gguf');
    const file = parseModelRef('/srv/models/tiny.gguf');
    assert.equal(localModelPath(file, '/m'), '/srv/models/tiny.gguf');
    assert.equal(downloadUrlOf(file), null);
  });

  it('refuses what could escape the models directory or means nothing', () => {
    for (const bad of [
      'models/tiny.gguf',
      'hf:user/repo',
      'hf:user/repo/model.bin',
      'hf:../repo/model.gguf',
      'hf:user/repo/../../etc/model.gguf',
      'hf:user/repo/model.gguf#a#b',
      'https://h/..%2Fetc/x.gguf',
      'https://user:pw@h/x.gguf',
      'https://h/%FF.gguf',
    ]) {
      assert.throws(() => parseModelRef(bad), TypeError, bad);
    }
  });
});
