import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { tinyModel } from '../../src/model-files/index.js';
import { callAdmin } from '../helpers/admin-client.js';
import { llamaSkip } from '../helpers/require-llama.js';
import { hideNodeLlamaCppOptions, killServe, runCli, type ServeProcess, spawnServe } from '../helpers/spawn-cli.js';
import { startTempPlatform, type TempPlatform, tempDataDir, testAdminToken } from '../helpers/temp-platform.js';

const run = promisify(execFile);

/** The command init printed for a first answer: the lines from `curl` to the end, one shell command. */
function printedCurl(stdout: string): string {
  const start = stdout.indexOf('    curl ');
  assert.ok(start >= 0, stdout);
  return stdout.slice(start).trim();
}

describe('commonweal init --demo', { skip: llamaSkip() }, () => {
  let platform: TempPlatform;
  let env: Record<string, string>;

  before(async () => {
    platform = await startTempPlatform();
    env = { COMMONWEAL_SERVER: platform.url, COMMONWEAL_ADMIN_TOKEN: testAdminToken };
  });

  after(() => platform.dispose());

  it('deploys the demo model on the embedded engine, and the command it prints gives a first answer', async () => {
    const init = await runCli(['init', '--demo'], env);
    assert.equal(init.code, 0, init.stderr);
    const path = join(platform.dataDir, 'models', 'demo', tinyModel.fileName);
    assert.ok(init.stdout.includes(`    ${path}\n`), init.stdout);
    assert.match(init.stdout, /answers are gibberish/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    // Billing is on: the answer needs the credits init gave, and comes from the demo site.
    const { stdout } = await run('sh', ['-c', `${printedCurl(init.stdout)} --fail-with-body -sS`]);
    type Answer = { usage: { completion_tokens: number }; choices: { message: { content: string } }[] };
    const answer = JSON.parse(stdout) as Answer;
    assert.equal(answer.usage.completion_tokens, 24);
    assert.ok(answer.choices[0]!.message.content.length > 0);
    const deployment = await callAdmin(platform.url, 'GET', '/admin/v1/deployments/commonweal-demo');
    assert.equal(deployment.body.kind, 'embedded');
    assert.equal(deployment.body.source, path);
  });

  it('lets a second organization try the same demo model', async () => {
    const init = await runCli(['init', '--demo', '--org-id', 'second', '--json'], env);
    assert.equal(init.code, 0, init.stderr);
    const created = JSON.parse(init.stdout) as { key: { secret: string }; demo: { modelId: string } };
    const response = await fetch(`${platform.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: created.demo.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('x-commonweal-site'), 'demo');
  });
});

describe('commonweal init --demo on a server without node-llama-cpp', () => {
  let server: ServeProcess | undefined;
  let dataDir: string;

  before(async () => {
    dataDir = tempDataDir();
    server = await spawnServe([], {
      COMMONWEAL_DATA_DIR: dataDir,
      COMMONWEAL_ADMIN_TOKEN: testAdminToken,
      NODE_OPTIONS: hideNodeLlamaCppOptions,
    });
  });

  after(() => killServe(server));

  it('stops with how to install it, having created nothing', async () => {
    const env = { COMMONWEAL_SERVER: server!.url, COMMONWEAL_ADMIN_TOKEN: testAdminToken };
    const init = await runCli(['init', '--demo'], env);
    assert.equal(init.code, 1);
    const notInstalled = /^error: 503 engine_unavailable: the embedded engine is not installed on this server /m;
    assert.match(init.stderr, notInstalled);
    assert.match(init.stderr, /install it where the server runs \(npm install node-llama-cpp/);
    assert.equal((await callAdmin(server!.url, 'GET', '/admin/v1/orgs/default')).status, 404);
    assert.ok(!existsSync(join(dataDir, 'models', 'demo')));
  });
});
