import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { AdminHttpClient } from './admin-http-client.js';
import { exportPlatform, readPlatformState } from './platform-file/index.js';

/** `commonweal export`: the server's platform as a file that `apply` takes back, here or on another server. */
export function exportCommand(client: () => AdminHttpClient): Command {
  return new Command('export')
    .description('write what the server has as a platform file for apply (secrets as references, never their values)')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addOption(
      new Option(
        '--format <format>',
        'yaml or json (default: json for an --output ending in .json, else yaml)',
      ).choices(['yaml', 'json']),
    )
    .action(async (options: { output?: string; format?: 'yaml' | 'json' }) => {
      const { document, notes } = exportPlatform(await readPlatformState(client()));
      const format = options.format ?? (options.output?.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
      const text = format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document);
      if (options.output === undefined) process.stdout.write(text);
      else writeFileSync(options.output, text);
      // On stderr, so that standard output is the file alone.
      for (const note of notes) console.error(`note: ${note}`);
    });
}
