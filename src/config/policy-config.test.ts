import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadServerConfig } from './load-server-config.js';

function withConfigFile(content: unknown, use: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'cw-policy-config-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(content));
    use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the default residency of new organizations is open unless the config says home', () => {
  assert.equal(loadServerConfig({}, {}).policy.defaultResidency, 'open');
  withConfigFile({ policy: { defaultResidency: 'home' } }, (file) => {
    const config = loadServerConfig({ configFile: file }, {});
    assert.equal(config.policy.defaultResidency, 'home');
    assert.ok(Object.isFrozen(config.policy));
  });
});

test('any other default residency stops the start, naming the key', () => {
  withConfigFile({ policy: { defaultResidency: 'everywhere' } }, (file) => {
    assert.throws(
      () => loadServerConfig({ configFile: file }, {}),
      (error: unknown) => error instanceof ConfigError && /"policy\.defaultResidency"/.test(error.message),
    );
  });
  withConfigFile({ policy: { defaultResidence: 'home' } }, (file) => {
    assert.throws(() => loadServerConfig({ configFile: file }, {}), /invalid configuration "policy/);
  });
});
