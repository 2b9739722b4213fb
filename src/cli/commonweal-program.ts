import { Command } from 'commander';
import { defaultCliServer, loadCliSettings } from '../config/index.js';
import { version } from '../version.js';
import { AdminHttpClient } from './admin-http-client.js';
import { adminTokenCommand } from './admin-token-command.js';
import { applyCommand } from './apply-command.js';
import { creditsCommand } from './credits-command.js';
import { auditCommand } from './audit-command.js';
import { exportCommand } from './export-command.js';
import { initCommand } from './init-command.js';
import { modelsPullCommand } from './models-pull-command.js';
import { openapiCommand } from './openapi-command.js';
import { policyCommand } from './policy-command.js';
import { groupsSpec, rulesSpec } from './policy-resources.js';
import { ledgerCommand } from './ledger-command.js';
import { migrateCommand } from './migrate-command.js';
import { programsCommand } from './programs-command.js';
import { resourceCommand } from './resource-command.js';
import { deploymentsSpec, keysSpec, modelsSpec, organizationsSpec, projectsSpec, sitesSpec } from './resources.js';
import { serveCommand } from './serve-command.js';
import { usageCommand } from './usage-command.js';

/**
 * The `commonweal` command tree, built apart from parsing so that a test can walk every
 * command and option of it.
 */
export function commonwealProgram(): Command {
  const program = new Command('commonweal')
    .description('Commonweal: a sovereign AI platform. One OpenAI-compatible endpoint over your own model servers.')
    .version(version)
    .option('--server <url>', `server for management commands (env COMMONWEAL_SERVER; default ${defaultCliServer})`)
    .option('--token <token>', 'admin token or organization admin key (env COMMONWEAL_ADMIN_TOKEN)')
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nManagement commands talk to a running server over HTTP. Their settings can also live in\n' +
        '~/.config/commonweal/cli.json ({"server": "...", "token": "..."}; COMMONWEAL_CLI_CONFIG overrides the path).',
    );

  const settings = () => loadCliSettings(program.opts<{ server?: string; token?: string }>());
  const client = () => new AdminHttpClient(settings());

  program.addCommand(serveCommand());
  program.addCommand(migrateCommand());
  program.addCommand(adminTokenCommand());
  program.addCommand(initCommand(client, () => settings().server));
  program.addCommand(applyCommand(client));
  program.addCommand(exportCommand(client));
  for (const spec of [organizationsSpec, projectsSpec, keysSpec, modelsSpec, sitesSpec, deploymentsSpec]) {
    program.addCommand(resourceCommand(spec, client));
  }
  // `models pull` joins the catalog commands built from the models spec.
  program.commands.find((command) => command.name() === modelsSpec.name)?.addCommand(modelsPullCommand(client));
  program.addCommand(usageCommand(client));
  program.addCommand(policyCommand(client));
  program.addCommand(resourceCommand(rulesSpec, client));
  program.addCommand(resourceCommand(groupsSpec, client));
  program.addCommand(creditsCommand(client));
  program.addCommand(programsCommand(client));
  program.addCommand(ledgerCommand(client));
  program.addCommand(auditCommand());
  program.addCommand(openapiCommand());
  return program;
}
