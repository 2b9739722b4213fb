import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { runCli } from '../helpers/spawn-cli.js';
import { startTempPlatform, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';

let platform: TempPlatform;
let env: Record<string, string>;

async function cli(...args: string[]): Promise<string> {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `commonweal ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  platform = await startTempPlatform(undefined, { billing: 'off' });
  env = {
    COMMONWEAL_SERVER: platform.url,
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
  };
  const setup: [string, unknown][] = [
    ['/orgs', { id: 'agency', name: 'Agency', homeJurisdiction: 'FR' }],
    ['/models', { id: 'qwen', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1, tags: ['chat'] }],
    ['/sites', { id: 'par-1', name: 'Paris', jurisdiction: 'FR' }],
    ['/sites', { id: 'nyc-1', name: 'New York', jurisdiction: 'US' }],
    [
      '/deployments',
      { id: 'qwen-par', modelId: 'qwen', siteId: 'par-1', kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1' },
    ],
    [
      '/deployments',
      { id: 'qwen-nyc', modelId: 'qwen', siteId: 'nyc-1', kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1' },
    ],
  ];
  for (const [path, body] of setup)
    assert.equal((await callAdmin(platform.url, 'POST', `/admin/v1${path}`, { body })).status, 201, path);
});
after(async () => platform.dispose());

test('groups: create a nested group, and an unknown code is one clear line', async () => {
  assert.match(
    await cli('groups', 'create', '--id', 'NORDICS', '--name', 'Nordics', '--members', 'dk,fi,is,no,se'),
    /countries\s+DK,FI,IS,NO,SE/,
  );
  assert.match(
    await cli('groups', 'create', '--id', 'FRIENDS', '--name', 'Friends', '--members', 'NORDICS,FR'),
    /members\s+NORDICS,FR/,
  );
  assert.match(await cli('groups', 'list', '--limit', '200'), /^FRIENDS\s+Friends\s+false\s+NORDICS,FR\s+6$/m);
  const bad = await runCli(['groups', 'create', '--id', 'BAD', '--name', 'Bad', '--members', 'DE,UK'], env);
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr.trim(),
    'error: 400 invalid_request: members: group BAD: member "UK" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group',
  );
});

test('policy set, then explain names the clause that excludes each deployment', async () => {
  assert.match(await cli('policy', 'set', '--org', 'agency', '--allow', 'eu'), /allowedJurisdictions\s+EU/);
  const explained = await cli('policy', 'explain', '--org', 'agency', '--model', 'qwen');
  assert.match(
    explained,
    /^organization agency \(FR\), model qwen, policy version \d+: served by 1 of 2 deployments$/m,
  );
  assert.match(explained, /^qwen-par\s+par-1\s+FR\s+true\s+allowed$/m);
  assert.match(
    explained,
    /^qwen-nyc\s+nyc-1\s+US\s+true\s+excluded: organization policy: allowedJurisdictions \[EU\] does not include the site's jurisdiction US$/m,
  );
});

test('rules: create with the compact match, explain shows the rule, simulate previews removing it', async () => {
  await cli(
    'rules',
    'create',
    '--id',
    'no-qwen-in-eu',
    '--effect',
    'deny',
    '--match',
    'modelIds=qwen;organizationJurisdictions=EU',
    '--reason',
    'not licensed here',
    '--reference',
    'Contract 12',
  );
  assert.match(
    await cli('rules', 'list'),
    /^0\s+no-qwen-in-eu\s+deny\s+modelIds=qwen; organizationJurisdictions=EU\s+not licensed here\s+Contract 12$/m,
  );
  const explanation = JSON.parse(await cli('policy', 'explain', '--org', 'agency', '--model', 'qwen', '--json'));
  assert.equal(explanation.served, false);
  const paris = explanation.deployments.find((d: { deploymentId: string }) => d.deploymentId === 'qwen-par');
  assert.deepEqual(
    paris.exclusions.map((e: { ruleId?: string }) => e.ruleId),
    ['no-qwen-in-eu'],
  );
  const simulation = JSON.parse(
    await cli('policy', 'simulate', '--change', '{"kind":"rule_removal","ruleId":"no-qwen-in-eu"}'),
  );
  assert.deepEqual(
    simulation.gaining.map((g: { organizationId: string; modelId: string }) => [g.organizationId, g.modelId]),
    [['agency', 'qwen']],
  );
  const history = JSON.parse(await cli('policy', 'changes', '--json', '--limit', '200')).data;
  assert.deepEqual(history.at(-1).subjectId, 'no-qwen-in-eu');
  assert.equal(history.at(-1).actor, 'operator');
  await cli('rules', 'delete', 'no-qwen-in-eu');
});
