import { Command } from 'commander';
import { type AdminHttpClient, CliError } from './admin-http-client.js';
import { applyPlan, formatPlan, planChanges, readPlatformFile, readPlatformState } from './platform-file/index.js';

/** `commonweal apply -f commonweal.yaml`: make a server what a platform file declares, showing the plan first. */
export function applyCommand(client: () => AdminHttpClient): Command {
  return new Command('apply')
    .description('make the server match a platform file (YAML or JSON): prints the changes, then makes them')
    .requiredOption('-f, --file <path>', 'the platform file, e.g. commonweal.yaml (see docs/apply.md)')
    .option('--dry-run', 'print the changes and make none')
    .option('--prune', 'also delete what the server has and the file does not')
    .option(
      '--resend-secrets',
      'send every declared secret again, e.g. after rotating one (the server never shows them)',
    )
    .action(async (options: { file: string; dryRun?: boolean; prune?: boolean; resendSecrets?: boolean }) => {
      const document = readPlatformFile(options.file);
      const admin = client();
      const plan = planChanges(document, await readPlatformState(admin), {
        prune: Boolean(options.prune),
        resendSecrets: Boolean(options.resendSecrets),
      });
      for (const line of formatPlan(plan)) console.log(line);
      if (plan.refusals.length > 0) {
        throw new CliError(
          `the admin API cannot make these changes; nothing was changed:\n  ${plan.refusals.join('\n  ')}`,
        );
      }
      if (options.dryRun) {
        console.log('dry run: nothing was changed');
        return;
      }
      if (plan.steps.length === 0) return;
      console.log('');
      await applyPlan(admin, plan.steps, (line) => console.log(line));
      console.log(`applied ${plan.steps.length} change${plan.steps.length === 1 ? '' : 's'}`);
    });
}
