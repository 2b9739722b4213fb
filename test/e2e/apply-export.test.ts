import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { DeploymentRepository } from '../../src/catalog/index.js';
import { callAdmin } from '../helpers/admin-client.js';
import { type CliResult, runCli } from '../helpers/spawn-cli.js';
import { startTempPlatform, type TempPlatform, testAdminToken } from '../helpers/temp-platform.js';

const upstreamSecret = 'sk-upstream-from-the-environment-123';

/** A platform as an operator would write it: every kind of resource, one secret by reference. */
const platformFile = {
  apiVersion: 'commonweal/v1',
  kind: 'Platform',
  jurisdictionGroups: [{ id: 'NORDICS', name: 'Nordics', members: ['DK', 'FI', 'NO', 'SE'] }],
  sites: [
    {
      id: 'fra-1',
      name: 'Frankfurt 1',
      jurisdiction: 'DE',
      city: 'Frankfurt',
      accelerators: [{ vendor: 'nvidia', type: 'H200', count: 8 }],
      powerKw: 400,
    },
    { id: 'hel-1', name: 'Helsinki 1', jurisdiction: 'FI' },
  ],
  models: [
    {
      id: 'qwen2.5-7b-instruct',
      family: 'qwen2.5',
      license: 'Apache-2.0',
      inputPriceMicroPerMtok: 200000,
      outputPriceMicroPerMtok: 600000,
      tags: ['chat', 'open-weight'],
    },
    { id: 'meta-llama/Llama-3.1-8B', inputPriceMicroPerMtok: 100000, outputPriceMicroPerMtok: 300000 },
  ],
  deployments: [
    {
      id: 'fra-1-vllm',
      modelId: 'qwen2.5-7b-instruct',
      siteId: 'fra-1',
      kind: 'openai',
      baseUrl: 'http://10.0.0.5:8000/v1',
      upstreamModel: 'Qwen/Qwen2.5-7B-Instruct',
      upstreamApiKey: 'env:FRA_VLLM_KEY',
    },
    {
      id: 'hel-1-llama',
      modelId: 'meta-llama/Llama-3.1-8B',
      siteId: 'hel-1',
      kind: 'openai',
      baseUrl: 'http://10.1.0.5:8000/v1',
      weight: 20,
    },
  ],
  organizations: [
    { id: 'ministry', name: 'Ministry', homeJurisdiction: 'FR' },
    { id: 'startup', name: 'Startup', homeJurisdiction: 'FI' },
  ],
  projects: [
    { organizationId: 'ministry', id: 'tax', name: 'Tax assistant' },
    { organizationId: 'startup', id: 'app', name: 'App' },
  ],
  policies: [
    { organizationId: 'ministry', allowedJurisdictions: ['EU'], denyAccelerators: [{ vendor: 'nvidia', type: 'H20' }] },
    { organizationId: 'startup', projectId: 'app', allowedJurisdictions: ['NORDICS'] },
  ],
  rules: [
    {
      id: 'frontier-g7-only',
      effect: 'deny',
      match: { modelTags: { in: ['frontier'] }, organizationJurisdictions: { notIn: ['G7'] } },
      reason: 'frontier models: G7 tenants only',
    },
  ],
  budgets: [
    { organizationId: 'startup', scope: 'organization', period: 'month', limitMicro: 50_000_000 },
    {
      organizationId: 'ministry',
      scope: 'project',
      scopeId: 'tax',
      period: 'window',
      startsAt: '2027-01-01T00:00Z',
      endsAt: '2027-07-01T00:00Z',
      limitMicro: 900_000_000,
    },
  ],
  rateLimits: [
    { organizationId: 'startup', scope: 'project', scopeId: 'app', requestsPerMinute: 60, tokensPerMinute: 100_000 },
  ],
  programs: [
    {
      id: 'startups-2027',
      name: 'National AI Startup Fund 2027',
      defaultGrantMicro: 1_000_000_000,
      grantDurationDays: 90,
      eligibleModels: ['qwen2.5-7b-instruct'],
      opensAt: '2027-01-01T00:00:00Z',
    },
  ],
};

type PlatformFile = typeof platformFile;

let platform: TempPlatform;
let dir: string;

function cliEnv(server: TempPlatform, extra: Record<string, string> = {}): Record<string, string> {
  return {
    COMMONWEAL_SERVER: server.url,
    COMMONWEAL_ADMIN_TOKEN: testAdminToken,
    COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
    ...extra,
  };
}

/** Writes a platform as YAML (or JSON for a .json name) and returns its path. */
function writePlatform(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.json') ? JSON.stringify(content) : stringify(content));
  return path;
}

function apply(file: string, ...flags: string[]): Promise<CliResult> {
  return runCli(['apply', '-f', file, ...flags], cliEnv(platform, { FRA_VLLM_KEY: upstreamSecret }));
}

async function get(server: TempPlatform, path: string): Promise<any> {
  const answer = await callAdmin(server.url, 'GET', `/admin/v1${path}`);
  assert.equal(answer.status, 200, `GET ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function changed(change: (file: PlatformFile) => void): PlatformFile {
  const copy = structuredClone(platformFile);
  change(copy);
  return copy;
}

before(async () => {
  platform = await startTempPlatform();
  dir = mkdtempSync(join(tmpdir(), 'cw-apply-'));
});
after(async () => {
  await platform.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('apply creates every declared resource, in an order the server accepts', async () => {
  const result = await apply(writePlatform('platform.yaml', platformFile));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^plan: 18 to create, 0 to update, 0 to delete, 0 unchanged$/m);
  assert.match(result.stdout, /^\[18\/18\] \+ create program startups-2027: done$/m);

  const sites = (await get(platform, '/sites')).data;
  assert.deepEqual(
    sites.map((s: { id: string; jurisdiction: string }) => `${s.id}:${s.jurisdiction}`),
    ['fra-1:DE', 'hel-1:FI'],
  );
  assert.equal((await get(platform, '/models/meta-llama%2FLlama-3.1-8B')).inputPriceMicroPerMtok, 100000);
  assert.equal((await get(platform, '/deployments/fra-1-vllm')).hasUpstreamApiKey, true);
  assert.equal((await get(platform, '/deployments/hel-1-llama')).weight, 20);
  // The reference was resolved on the operator's side: the server holds the secret itself.
  const opened = await new DeploymentRepository(platform.store, platform.secrets.secretBox).listAllWithSecrets();
  assert.equal(opened.find((d) => d.deployment.id === 'fra-1-vllm')?.upstreamApiKey, upstreamSecret);
  assert.equal((await get(platform, '/orgs/startup')).homeJurisdiction, 'FI');
  assert.equal((await get(platform, '/orgs/ministry/projects/tax')).name, 'Tax assistant');
  assert.deepEqual((await get(platform, '/orgs/ministry/policy')).allowedJurisdictions, ['EU']);
  assert.deepEqual((await get(platform, '/orgs/startup/projects/app/policy')).allowedJurisdictions, ['NORDICS']);
  assert.equal((await get(platform, '/policy/rules/frontier-g7-only')).effect, 'deny');
  assert.equal((await get(platform, '/jurisdiction-groups/NORDICS')).name, 'Nordics');
  const budgets = (await get(platform, '/orgs/ministry/budgets')).data;
  assert.equal(budgets.length, 1);
  assert.equal(budgets[0].limitMicro, 900_000_000);
  assert.equal((await get(platform, '/orgs/startup/budgets')).data[0].period, 'month');
  assert.equal((await get(platform, '/orgs/startup/rate-limits')).data[0].requestsPerMinute, 60);
  assert.equal((await get(platform, '/programs')).data[0].grantDurationDays, 90);
});

test('applying the same file again changes nothing', async () => {
  const result = await apply(join(dir, 'platform.yaml'));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'no changes (18 unchanged)');
});

test('--dry-run prints the changes field by field and makes none', async () => {
  const file = writePlatform(
    'changed.yaml',
    changed((p) => {
      p.models[0]!.inputPriceMicroPerMtok = 250000;
      p.sites.push({ id: 'sto-1', name: 'Stockholm 1', jurisdiction: 'SE' });
      p.budgets[0]!.limitMicro = 70_000_000;
    }),
  );
  const result = await apply(file, '--dry-run');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\+ create site sto-1$/m);
  assert.match(result.stdout, /^~ update model qwen2\.5-7b-instruct\n {4}inputPriceMicroPerMtok: 200000 → 250000$/m);
  assert.match(result.stdout, /^ {4}limitMicro: 50000000 → 70000000$/m);
  assert.match(result.stdout, /^dry run: nothing was changed$/m);
  assert.equal((await get(platform, '/models/qwen2.5-7b-instruct')).inputPriceMicroPerMtok, 200000);
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/sites/sto-1')).status, 404);
  assert.equal((await get(platform, '/orgs/startup/budgets')).data[0].limitMicro, 50_000_000);

  const applied = await apply(file);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal((await get(platform, '/models/qwen2.5-7b-instruct')).inputPriceMicroPerMtok, 250000);
  assert.equal((await get(platform, '/orgs/startup/budgets')).data[0].limitMicro, 70_000_000);
  assert.equal((await apply(file)).stdout.trim(), 'no changes (19 unchanged)');
});

test('a resource left out of the file is kept, and deleted only with --prune', async () => {
  const without = writePlatform(
    'without.yaml',
    changed((p) => {
      p.models[0]!.inputPriceMicroPerMtok = 250000;
      p.budgets[0]!.limitMicro = 70_000_000;
      p.deployments.pop();
      p.rateLimits = [];
    }),
  );
  const kept = await apply(without);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /^ {2}deployment hel-1-llama: not in file, kept \(use --prune\)$/m);
  assert.match(kept.stdout, /^ {2}site sto-1: not in file, kept \(use --prune\)$/m);
  assert.equal((await get(platform, '/deployments/hel-1-llama')).id, 'hel-1-llama');

  const pruned = await apply(without, '--prune');
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, /^- delete deployment hel-1-llama$/m);
  assert.match(pruned.stdout, /^- delete rate limit startup\/project:app$/m);
  // Deletions run in the reverse order of creation: the deployment before the site it ran at.
  assert.ok(pruned.stdout.indexOf('delete site sto-1: done') > pruned.stdout.indexOf('delete deployment hel-1-llama'));
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/deployments/hel-1-llama')).status, 404);
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/sites/sto-1')).status, 404);
  assert.deepEqual((await get(platform, '/orgs/startup/rate-limits')).data, []);
  assert.equal((await get(platform, '/sites/hel-1')).id, 'hel-1', 'what the file declares stays');
  assert.equal((await apply(without, '--prune')).stdout.trim(), 'no changes (16 unchanged)');
});

test('export, applied to a fresh server, exports the same file again', async () => {
  const exported = await runCli(['export'], cliEnv(platform));
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(!exported.stdout.includes(upstreamSecret), 'no secret in an export');
  assert.match(exported.stdout, /upstreamApiKey: env:COMMONWEAL_SECRET_DEPLOYMENT_FRA_1_VLLM/);
  assert.match(exported.stderr, /set COMMONWEAL_SECRET_DEPLOYMENT_FRA_1_VLLM to it before applying this file/);
  assert.doesNotMatch(exported.stdout, /createdAt|updatedAt|version/, 'what the server generates is not declared');
  const exportFile = writePlatform('export.yaml', '');
  writeFileSync(exportFile, exported.stdout);

  const fresh = await startTempPlatform();
  try {
    const secretEnv = { COMMONWEAL_SECRET_DEPLOYMENT_FRA_1_VLLM: upstreamSecret };
    const applied = await runCli(['apply', '-f', exportFile], cliEnv(fresh, secretEnv));
    assert.equal(applied.code, 0, applied.stderr);
    const again = await runCli(['export'], cliEnv(fresh));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, exported.stdout);
    const opened = await new DeploymentRepository(fresh.store, fresh.secrets.secretBox).listAllWithSecrets();
    assert.equal(opened[0]?.upstreamApiKey, upstreamSecret);
  } finally {
    await fresh.dispose();
  }
});

test('a JSON file works as YAML does, and export writes JSON for a .json file', async () => {
  const out = join(dir, 'export.json');
  const exported = await runCli(['export', '-o', out], cliEnv(platform));
  assert.equal(exported.code, 0, exported.stderr);
  const document = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(document.apiVersion, 'commonweal/v1');
  document.sites.find((s: { id: string }) => s.id === 'hel-1').city = 'Helsinki';
  writeFileSync(out, JSON.stringify(document));
  const result = await apply(out);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ {4}city: null → "Helsinki"$/m);
  assert.equal((await get(platform, '/sites/hel-1')).city, 'Helsinki');
});

test('an inline secret, a bad field or an unknown one is refused before any change, naming its path', async () => {
  const inline = writePlatform(
    'inline.yaml',
    changed((p) => {
      p.deployments[0]!.upstreamApiKey = 'sk-pasted-inline';
    }),
  );
  const refused = await apply(inline);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr.trim(),
    `error: ${inline}: deployments.0.upstreamApiKey must be a secret reference, env:NAME or file:/absolute/path; ` +
      'a secret is never written inline',
  );
  const bad = writePlatform(
    'bad.yaml',
    changed((p) => {
      p.sites[1]!.jurisdiction = 'Finland';
    }),
  );
  assert.equal(
    (await apply(bad)).stderr.trim(),
    `error: ${bad}: sites.1.jurisdiction must be an ISO 3166-1 alpha-2 country code in capitals, such as DE`,
  );
  const unknown = writePlatform('unknown.yaml', {
    ...platformFile,
    organizations: [{ id: 'x', name: 'X', homeJurisdiction: 'DE', home: 'DE' }],
  });
  assert.match((await apply(unknown)).stderr, /: unknown field "organizations\.0\.home"$/m);
  const missing = await runCli(['apply', '-f', join(dir, 'platform.yaml')], cliEnv(platform));
  assert.equal(missing.code, 0, 'a secret that is already set and unchanged is not needed');
  assert.equal((await get(platform, '/sites/hel-1')).city, 'Helsinki', 'nothing was changed by the refused files');
});

test('a change the API cannot make is refused before any call; a failed call says what was applied', async () => {
  const moved = writePlatform(
    'moved.yaml',
    changed((p) => {
      p.deployments[0]!.siteId = 'hel-1';
      p.sites.push({ id: 'osl-1', name: 'Oslo 1', jurisdiction: 'NO' });
    }),
  );
  const refused = await apply(moved);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /deployment fra-1-vllm: siteId differs; a deployment's site cannot change/);
  assert.equal((await callAdmin(platform.url, 'GET', '/admin/v1/sites/osl-1')).status, 404);

  const broken = writePlatform(
    'broken.yaml',
    changed((p) => {
      p.sites.push({ id: 'osl-1', name: 'Oslo 1', jurisdiction: 'NO' });
      p.deployments.push({
        id: 'osl-1-x',
        modelId: 'no-such-model',
        siteId: 'osl-1',
        kind: 'openai',
        baseUrl: 'http://10.2.0.5/v1',
      } as (typeof p.deployments)[number]);
    }),
  );
  const failed = await apply(broken);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /^\[\d+\/\d+\] \+ create site osl-1: done$/m);
  assert.match(failed.stderr, /\+ create deployment osl-1-x failed: 4\d\d \w+: .*no-such-model/);
  assert.match(
    failed.stderr,
    /\n\d+ of \d+ changes were applied before it \(the ones listed above\); the rest were not$/m,
  );
  assert.equal((await get(platform, '/sites/osl-1')).id, 'osl-1');
});
