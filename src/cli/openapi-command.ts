import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { loadServerConfig } from '../config/index.js';
import { startPlatform } from '../main.js';
import { CliError } from './admin-http-client.js';

/**
 * The management API's OpenAPI document, as a server builds it. A throwaway server on a
 * temporary data directory, with no environment, answers it: the document is the routes'
 * own schemas, so it cannot drift from what a running server accepts.
 */
export async function adminOpenApiDocument(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'commonweal-openapi-'));
  try {
    const config = loadServerConfig({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' }, {});
    const platform = await startPlatform(config);
    try {
      const answer = await fetch(`${platform.url}/admin/v1/openapi.json`);
      if (!answer.ok) throw new CliError(`the OpenAPI document could not be built: HTTP ${answer.status}`);
      return `${JSON.stringify(await answer.json(), null, 2)}\n`;
    } finally {
      await platform.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function openapiCommand(): Command {
  return new Command('openapi')
    .description("print the management API's OpenAPI document, to generate a typed client")
    .option('--output <file>', 'write the document to this file instead of standard output')
    .addHelpText('after', '\nNo server is needed: a temporary one is started on a throwaway data directory.')
    .action(async (options: { output?: string }) => {
      const document = await adminOpenApiDocument();
      if (options.output === undefined) process.stdout.write(document);
      else {
        mkdirSync(dirname(options.output), { recursive: true });
        writeFileSync(options.output, document);
      }
    });
}
