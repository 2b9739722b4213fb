import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/spawn-cli.js';
import { startTempPlatform, testAdminToken } from '../helpers/temp-platform.js';

test('commonweal credits, programs and ledger: add credits, read the balance and statement, run a program, verify', async () => {
  const platform = await startTempPlatform();
  const cli = async (...args: string[]) => {
    const result = await runCli(args, { COMMONWEAL_SERVER: platform.url, COMMONWEAL_ADMIN_TOKEN: testAdminToken, COMMONWEAL_CLI_CONFIG: '/nonexistent/cli.json' });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  try {
    await cli('orgs', 'create', '--id', 'agency', '--name', 'Agency', '--home-jurisdiction', 'FR');
    assert.match(await cli('credits', 'add', '--org', 'agency', '--amount', '12.5', '--id', 'first-deposit'), /added 12\.500000 credits to agency/);
    await cli('credits', 'add', '--org', 'agency', '--amount', '12.5', '--id', 'first-deposit');
    assert.match(await cli('credits', 'balance', '--org', 'agency'), /^balance 12\.500000, available 12\.500000$/m);
    const csv = (await cli('credits', 'statement', '--org', 'agency', '--csv')).trim().split('\r\n');
    assert.equal(csv.length, 2, 'the retried add added nothing');
    assert.match(csv[1]!, /,first-deposit,deposit,org:agency,issuance,12500000,12500000,/);

    await cli('programs', 'create', '--id', 'fund-27', '--name', 'Fund 2027', '--default-grant', '100', '--grant-days', '30');
    await cli('programs', 'fund', 'fund-27', '--amount', '1000');
    const application = JSON.parse(await cli('programs', 'apply', 'fund-27', '--org', 'agency', '--description', 'public services', '--json'));
    await cli('programs', 'approve', 'fund-27', application.id);
    assert.match(await cli('programs', 'report', 'fund-27'), /granted\s+100\.000000/);
    assert.match(await cli('credits', 'balance', '--org', 'agency'), /^balance 112\.500000/m);
    assert.match(await cli('ledger', 'verify'), /^ok: /);
  } finally {
    await platform.dispose();
  }
});
