import { Command } from 'commander';
import { loadServerConfig, serverConfigDefaults as defaults } from '../config/index.js';
import { type RunningPlatform, startPlatform } from '../main.js';
import { CliError } from './admin-http-client.js';
import { parseInteger } from './option-parsers.js';

function announceGeneratedToken(token: string, url: string, dataDir: string): void {
  console.log(
    [
      '',
      'A new admin token was generated. It is shown this once and stored only as a hash:',
      '',
      `    ${token}`,
      '',
      'Use it with the CLI:',
      `    export COMMONWEAL_ADMIN_TOKEN=${token}`,
      `    commonweal init --server ${url}`,
      '',
      `If it is lost: commonweal admin-token reset --data-dir ${dataDir}, then restart the server.`,
      '',
    ].join('\n'),
  );
}

const listenFailureReasons: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is already in use; stop what listens there or choose another with --port',
  EACCES: 'permission denied; ports below 1024 need privileges',
  EADDRNOTAVAIL: 'the address is not one of this machine',
};

/** The startup error a user can act on when the server cannot listen; any other error keeps its stack. */
function listenFailure(error: unknown, host: string, port: number): unknown {
  const failure = error as { syscall?: unknown; code?: unknown; message?: unknown } | null;
  if (failure?.syscall !== 'listen') return error;
  const reason = listenFailureReasons[String(failure.code)] ?? String(failure.message);
  return new CliError(`cannot listen on ${host}:${port}: ${reason}`);
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the Commonweal server (management API, health, inference API) on the embedded SQLite store')
    .option('--host <host>', `address to listen on (env COMMONWEAL_HOST; default ${defaults.host})`)
    .option('--port <port>', `port to listen on (env COMMONWEAL_PORT; default ${defaults.port})`, parseInteger)
    .option(
      '--data-dir <dir>',
      `where the database and secrets live (env COMMONWEAL_DATA_DIR; default ${defaults.dataDir})`,
    )
    .option(
      '--metrics-port <port>',
      'serve /metrics on a listener of its own at this port (env COMMONWEAL_METRICS_PORT; default: the main port)',
      parseInteger,
    )
    .option(
      '--drain-timeout-ms <ms>',
      'on SIGTERM, how long requests in flight may take to finish before they are cut ' +
        `(env COMMONWEAL_DRAIN_TIMEOUT_MS; default ${defaults.http.drainTimeoutMs})`,
      parseInteger,
    )
    .option(
      '--config <file>',
      'config file, JSON or YAML (.yaml, .yml) (env COMMONWEAL_CONFIG); flags and env win over it',
    )
    .option(
      '--log-level <level>',
      `fatal, error, warn, info, debug, trace or silent (env COMMONWEAL_LOG_LEVEL; default ${defaults.logLevel})`,
    )
    .addHelpText(
      'after',
      '\nThe admin token is generated at first start and printed once; set COMMONWEAL_ADMIN_TOKEN to choose it\n' +
        'instead. A lost one is replaced with "commonweal admin-token reset" on this machine.\n' +
        'SIGINT or SIGTERM drain the server: /readyz answers 503, new connections are refused, requests in flight\n' +
        'finish (up to the drain timeout), their records are written, then it exits 0. A second signal exits at once.',
    )
    .action(async (options) => {
      const config = loadServerConfig({
        configFile: options.config,
        host: options.host,
        port: options.port,
        dataDir: options.dataDir,
        logLevel: options.logLevel,
        metricsPort: options.metricsPort,
        drainTimeoutMs: options.drainTimeoutMs,
      });
      let platform: RunningPlatform;
      try {
        platform = await startPlatform(config);
      } catch (error) {
        throw listenFailure(error, config.host, config.port);
      }
      const storeName = config.database.url === undefined ? 'SQLite' : 'PostgreSQL';
      console.log(`Commonweal listening on ${platform.url} (${storeName} store; data directory ${config.dataDir})`);
      const generated = platform.secrets.generatedAdminToken;
      if (generated !== undefined) announceGeneratedToken(generated, platform.url, config.dataDir);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          console.error(`${signal} again: exiting now, without waiting for requests in flight`);
          process.exit(1);
        }
        stopping = true;
        console.log(`${signal} received: finishing requests in flight, then stopping`);
        platform.close().then(
          () => {
            console.log('Commonweal stopped');
            process.exit(0);
          },
          (error: unknown) => {
            console.error('shutdown failed:', error);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
