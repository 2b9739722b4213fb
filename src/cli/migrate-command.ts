import { join } from 'node:path';
import { Command } from 'commander';
import { loadServerConfig, serverConfigDefaults as defaults } from '../config/index.js';
import { migrateSchema, schemaStatus } from '../store/index.js';

/** `commonweal migrate`: brings the database to this build's schema, or with --check only says whether it is. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description("bring the database to this version's schema (the server also does it at start)")
    .option('--check', 'change nothing: exit 0 when the schema is current, 1 with the pending migrations when not')
    .option(
      '--data-dir <dir>',
      `the data directory whose SQLite file to migrate (env COMMONWEAL_DATA_DIR; default ${defaults.dataDir})`,
    )
    .option('--config <file>', 'the server config file, for its database (env COMMONWEAL_CONFIG)')
    .addHelpText(
      'after',
      '\nWith COMMONWEAL_DATABASE_URL (or database.url in the config file) it migrates that PostgreSQL database,\n' +
        'under an advisory lock: replicas and jobs that run it together migrate once. Without, the SQLite file\n' +
        'in the data directory.',
    )
    .action(async (options: { check?: boolean; dataDir?: string; config?: string }) => {
      const config = loadServerConfig({ configFile: options.config, dataDir: options.dataDir });
      const sqlitePath = join(config.dataDir, 'commonweal.sqlite');
      const where = config.database.url === undefined ? sqlitePath : 'the PostgreSQL database';
      if (options.check) {
        const status = await schemaStatus(config.database.url, sqlitePath);
        if (status.unknown.length > 0) {
          console.log(`${where} has migrations this version does not know; a newer version ran them:`);
          for (const name of status.unknown) console.log(`  ${name}`);
          process.exitCode = 1;
        } else if (status.pending.length > 0) {
          console.log(`${where} is not current: ${status.pending.length} migrations pending:`);
          for (const name of status.pending) console.log(`  ${name}`);
          process.exitCode = 1;
        } else {
          console.log(`${where} is current: ${status.applied.length} migrations applied`);
        }
        return;
      }
      console.log(`migrating ${where}…`);
      const ran = await migrateSchema(config.database.url, sqlitePath);
      for (const name of ran) console.log(`  applied ${name}`);
      console.log(ran.length === 0 ? 'the schema was current already' : `${ran.length} migrations applied`);
    });
}
