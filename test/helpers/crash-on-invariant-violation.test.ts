import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('./crash-on-invariant-violation.js', import.meta.url));
const errors = fileURLToPath(new URL('../../src/errors/index.js', import.meta.url));

/** Runs a module in a process of its own, where a violation is caught as a server's error handler would. */
function runCatchingViolation(subscribe: boolean) {
  const script = `
    const { crashOnInvariantViolation } = await import(${JSON.stringify(helper)});
    const { invariant } = await import(${JSON.stringify(errors)});
    if (${subscribe}) crashOnInvariantViolation();
    try { invariant(false, 'a leaf index is dense'); } catch { console.log('answered 500'); }`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

test('a violation crashes the test process even when the code that met it caught it', () => {
  const crashed = runCatchingViolation(true);
  assert.notEqual(crashed.status, 0);
  assert.match(crashed.stderr, /InvariantViolation: a leaf index is dense/);
});

test('without the harness, a caught violation stays caught', () => {
  const quiet = runCatchingViolation(false);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stdout.trim(), 'answered 500');
});
