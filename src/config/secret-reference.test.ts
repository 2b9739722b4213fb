import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { resolveSecretReference, SecretReference, secretVariableFor } from './secret-reference.js';

test('only references pass the schema; an inline secret does not', () => {
  assert.ok(Value.Check(SecretReference, 'env:VLLM_KEY'));
  assert.ok(Value.Check(SecretReference, 'file:/run/secrets/vllm'));
  assert.ok(!Value.Check(SecretReference, 'sk-live-1234'));
  assert.ok(!Value.Check(SecretReference, 'file:relative/path'));
  assert.ok(!Value.Check(SecretReference, 'env:1BAD'));
});

test('a reference resolves from the environment or a file, and says what is missing', () => {
  assert.equal(resolveSecretReference('env:K', { K: 'v1' }), 'v1');
  assert.throws(() => resolveSecretReference('env:K', {}), /K is not set/);
  const file = join(mkdtempSync(join(tmpdir(), 'cw-secret-')), 'key');
  writeFileSync(file, 'from-file\n');
  assert.equal(resolveSecretReference(`file:${file}`, {}), 'from-file');
  assert.throws(() => resolveSecretReference(`file:${file}.absent`, {}), /cannot read .*ENOENT/);
  assert.equal(secretVariableFor('deployment', 'fra-1.vllm'), 'COMMONWEAL_SECRET_DEPLOYMENT_FRA_1_VLLM');
});
