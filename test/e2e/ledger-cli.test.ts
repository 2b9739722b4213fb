import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callAdmin } from '../helpers/admin-client.js';
import { runCli } from '../helpers/spawn-cli.js';
import { startTempPlatform, testAdminToken } from '../helpers/temp-platform.js';

const cliEnv = (platform: { url: string }) => ({
  COMMONWEAL_SERVER: platform.url,
  COMMONWEAL_ADMIN_TOKEN: testAdminToken,
  COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json',
});

test('commonweal credits, programs and ledger: add credits, read the balance and statement, run a program, verify', async () => {
  const platform = await startTempPlatform();
  const cli = async (...args: string[]) => {
    const result = await runCli(args, cliEnv(platform));
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  try {
    await cli('orgs', 'create', '--id', 'agency', '--name', 'Agency', '--home-jurisdiction', 'FR');
    assert.match(
      await cli('credits', 'add', '--org', 'agency', '--amount', '12.5', '--id', 'first-deposit'),
      /added 12\.500000 credits to agency/,
    );
    assert.match(
      await cli('credits', 'add', '--org', 'agency', '--amount', '12.5', '--id', 'first-deposit'),
      /^nothing added: transfer first-deposit was already recorded at \S+ \(12\.500000 credits to agency\)$/m,
    );
    assert.match(await cli('credits', 'balance', '--org', 'agency'), /^balance 12\.500000, available 12\.500000$/m);
    const csv = (await cli('credits', 'statement', '--org', 'agency', '--csv')).trim().split('\r\n');
    assert.equal(csv.length, 2, 'the retried add added nothing');
    assert.match(csv[1]!, /,first-deposit,deposit,org:agency,issuance,12500000,12500000,/);

    await cli(
      'programs',
      'create',
      '--id',
      'fund-27',
      '--name',
      'Fund 2027',
      '--default-grant',
      '100',
      '--grant-days',
      '30',
    );
    await cli('programs', 'fund', 'fund-27', '--amount', '1000');
    const application = JSON.parse(
      await cli('programs', 'apply', 'fund-27', '--org', 'agency', '--description', 'public services', '--json'),
    );
    await cli('programs', 'approve', 'fund-27', application.id);
    assert.match(await cli('programs', 'report', 'fund-27'), /granted\s+100\.000000/);
    assert.match(await cli('credits', 'balance', '--org', 'agency'), /^balance 112\.500000/m);
    assert.match(await cli('ledger', 'verify'), /^ok: /);
  } finally {
    await platform.dispose();
  }
});

test('commonweal credits set-rate-limit changes only the limits it names, in each organization', async () => {
  const platform = await startTempPlatform();
  const cli = async (...args: string[]) => {
    const result = await runCli(args, cliEnv(platform));
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const setLimit = (o: string) => ['credits', 'set-rate-limit', '--org', o, '--scope', 'project', '--scope-id', 'p'];
  const limitsOf = async (org: string, ...args: string[]) => {
    const rule = JSON.parse(await cli(...setLimit(org), ...args, '--json'));
    return [rule.requestsPerMinute, rule.tokensPerMinute];
  };
  try {
    for (const org of ['x', 'y']) {
      await cli('orgs', 'create', '--id', org, '--name', org, '--home-jurisdiction', 'DE');
      await cli('projects', 'create', '--org', org, '--id', 'p', '--name', 'Main');
    }
    assert.deepEqual(await limitsOf('x', '--rpm', '60', '--tpm', '1000'), [60, 1000]);
    assert.deepEqual(await limitsOf('y', '--rpm', '30', '--tpm', '2000'), [30, 2000], 'the same project id elsewhere');
    assert.deepEqual(await limitsOf('x', '--tpm', '500'), [60, 500], '--tpm alone keeps --rpm');
    assert.deepEqual(await limitsOf('x', '--rpm', 'none'), [null, 500], '--rpm none removes only that limit');
    assert.match(await cli(...setLimit('x'), '--tpm', 'none'), /deleted\s+true/);
    const neither = await runCli(setLimit('y'), cliEnv(platform));
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /give --rpm, --tpm or both/);
    const body = { scope: 'project', scopeId: 'p' };
    const emptyChange = await callAdmin(platform.url, 'POST', '/admin/v1/orgs/y/rate-limits', { body });
    assert.deepEqual([emptyChange.status, emptyChange.body.error.param], [400, 'requestsPerMinute']);
    assert.deepEqual(await limitsOf('y', '--rpm', '31'), [31, 2000], 'organization y kept its own rule throughout');
  } finally {
    await platform.dispose();
  }
});

test('commonweal credits delete-budget removes a budget that budgets listed', async () => {
  const platform = await startTempPlatform();
  const cli = async (...args: string[]) => {
    const result = await runCli(args, cliEnv(platform));
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  try {
    await cli('orgs', 'create', '--id', 'agency', '--name', 'Agency', '--home-jurisdiction', 'FR');
    const budgetArgs = ['--org', 'agency', '--scope', 'organization', '--period', 'month', '--limit', '50', '--json'];
    const budget = JSON.parse(await cli('credits', 'set-budget', ...budgetArgs));
    assert.match(await cli('credits', 'budgets', '--org', 'agency'), new RegExp(`^${budget.id}\\s`, 'm'));
    assert.match(await cli('credits', 'delete-budget', '--org', 'agency', budget.id), /deleted\s+true/);
    assert.equal((await cli('credits', 'budgets', '--org', 'agency')).trim(), '(none)');
    const again = await runCli(['credits', 'delete-budget', '--org', 'agency', budget.id], cliEnv(platform));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /404 not_found/);
  } finally {
    await platform.dispose();
  }
});
