import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { loadServerConfig } from '../config/index.js';
import { AdminTokenFile, newAdminToken, secretsDirOf, sha256Hex } from '../secrets/index.js';
import { CliError } from './admin-http-client.js';

function resetCommand(): Command {
  return new Command('reset')
    .description("replace the admin token with a new one, printed once: run it on the server's machine")
    .option('--data-dir <dir>', 'the server data directory (env COMMONWEAL_DATA_DIR; default ./.commonweal)')
    .option('--config <file>', 'the server config file, for its dataDir (env COMMONWEAL_CONFIG)')
    .addHelpText(
      'after',
      "\nWrites only the new token's hash into <data dir>/secrets, so it needs no running server and no old token.\n" +
        'A running server keeps accepting the old token until it is restarted. A server started with\n' +
        'COMMONWEAL_ADMIN_TOKEN set (or adminToken in its config file) uses that token instead, at every start.',
    )
    .action((options: { dataDir?: string; config?: string }) => {
      const config = loadServerConfig({ configFile: options.config, dataDir: options.dataDir });
      const { dataDir } = config;
      const file = new AdminTokenFile(secretsDirOf(config));
      // Only a data directory a server has started on is reset: another is a mistyped path.
      if (!existsSync(dirname(file.path))) {
        throw new CliError(`no Commonweal data directory at ${dataDir} (--data-dir)`);
      }
      const token = newAdminToken();
      file.replace(sha256Hex(token));
      console.log(
        [
          `A new admin token was stored in ${dataDir} (as a hash). It is shown this once:`,
          '',
          `    ${token}`,
          '',
          'A running server keeps accepting the old token until it is restarted.',
        ].join('\n'),
      );
    });
}

/** `commonweal admin-token …`: recovery of the operator's token, on the server's machine. */
export function adminTokenCommand(): Command {
  return new Command('admin-token')
    .description("the operator's admin token (a lost one is replaced here)")
    .addCommand(resetCommand());
}
