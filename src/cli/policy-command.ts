import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { type AdminHttpClient, CliError } from './admin-http-client.js';
import { parseInteger, parseList } from './option-parsers.js';
import { type Column, formatTable, printRecord } from './output.js';
import { parseAcceleratorMatchers, parseJurisdictions } from './policy-option-parsers.js';

interface Exclusion {
  readonly message: string;
}

interface Verdict {
  readonly deploymentId: string;
  readonly siteId: string;
  readonly jurisdiction: string | null;
  readonly enabled: boolean;
  readonly allowed: boolean;
  readonly exclusions: readonly Exclusion[];
  readonly ruleId: string | null;
}

interface Explanation {
  readonly policyVersion: number;
  readonly organizationId: string;
  readonly projectId: string | null;
  readonly modelId: string;
  readonly organizationJurisdiction: string | null;
  readonly served: boolean;
  readonly allowedDeployments: number;
  readonly modelExclusions: readonly Exclusion[];
  readonly deployments: readonly Verdict[];
}

const verdictColumns: readonly Column<Verdict>[] = [
  { header: 'deployment', value: (v) => v.deploymentId },
  { header: 'site', value: (v) => v.siteId },
  { header: 'jurisdiction', value: (v) => v.jurisdiction },
  { header: 'enabled', value: (v) => v.enabled },
  {
    header: 'verdict',
    value: (v) =>
      v.allowed
        ? `allowed${v.ruleId === null ? '' : ` (rule "${v.ruleId}")`}`
        : `excluded: ${v.exclusions.map((e) => e.message).join('; ')}`,
  },
];

function policyPath(options: { org: string; project?: string }): string {
  const org = `/orgs/${encodeURIComponent(options.org)}`;
  return options.project === undefined
    ? `${org}/policy`
    : `${org}/projects/${encodeURIComponent(options.project)}/policy`;
}

function printExplanation(e: Explanation): void {
  const who = `organization ${e.organizationId} (${e.organizationJurisdiction ?? '?'})${e.projectId === null ? '' : `, project ${e.projectId}`}`;
  const outcome = e.served
    ? `served by ${e.allowedDeployments} of ${e.deployments.length} deployments`
    : 'refused (403 policy_denied)';
  console.log(`${who}, model ${e.modelId}, policy version ${e.policyVersion}: ${outcome}`);
  for (const exclusion of e.modelExclusions) console.log(`  model excluded: ${exclusion.message}`);
  console.log(
    e.deployments.length === 0 ? '(the model has no deployments)' : formatTable(e.deployments, verdictColumns),
  );
}

function explainCommand(client: () => AdminHttpClient): Command {
  return new Command('explain')
    .description(
      'for an organization (and project) and a model, every deployment: allowed, or the clause or rule that excludes it',
    )
    .requiredOption('--org <id>', 'the organization')
    .requiredOption('--model <id>', 'the model')
    .option('--project <id>', "add the project's own policy, if it has one")
    .option('--json', 'print JSON')
    .action(async (options) => {
      const body = {
        organizationId: options.org,
        modelId: options.model,
        ...(options.project === undefined ? {} : { projectId: options.project }),
      };
      const explanation = await client().call<Explanation>('POST', '/policy/explain', body);
      if (options.json) console.log(JSON.stringify(explanation, null, 2));
      else printExplanation(explanation);
    });
}

function setCommand(client: () => AdminHttpClient): Command {
  return new Command('set')
    .description(
      "replace the residency policy of an organization (operator) or of a project (narrows its organization's)",
    )
    .requiredOption('--org <id>', 'the organization')
    .option('--project <id>', "set this project's own policy instead")
    .option(
      '--allow <codes>',
      'countries or groups where requests may be processed, e.g. EU,CH (omitted: anywhere; "none": nowhere)',
    )
    .option(
      '--deny <codes>',
      'countries or groups where they never may, e.g. RU (wins over --allow)',
      parseJurisdictions,
    )
    .option(
      '--require-accelerators <list>',
      'every accelerator of a site must match one: vendor, vendor:type or :type',
      parseAcceleratorMatchers,
    )
    .option(
      '--deny-accelerators <list>',
      'exclude sites with any matching accelerator, e.g. nvidia:H20',
      parseAcceleratorMatchers,
    )
    .option('--licenses <list>', 'only models with one of these licenses, e.g. Apache-2.0,MIT', parseList)
    .option('--origins <list>', 'only models from one of these origins', parseList)
    .option('--json', 'print JSON')
    .action(async (options) => {
      const body = {
        ...(options.allow === undefined
          ? {}
          : { allowedJurisdictions: options.allow === 'none' ? [] : parseJurisdictions(options.allow) }),
        ...(options.deny === undefined ? {} : { deniedJurisdictions: options.deny }),
        ...(options.requireAccelerators === undefined ? {} : { requireAccelerators: options.requireAccelerators }),
        ...(options.denyAccelerators === undefined ? {} : { denyAccelerators: options.denyAccelerators }),
        ...(options.licenses === undefined ? {} : { allowedModelLicenses: options.licenses }),
        ...(options.origins === undefined ? {} : { allowedModelOrigins: options.origins }),
      };
      printRecord(await client().call('PUT', policyPath(options), body), options);
    });
}

function simulateCommand(client: () => AdminHttpClient): Command {
  return new Command('simulate')
    .description(
      'report which organizations and models would gain or lose service under a proposed change, without saving it',
    )
    .requiredOption('--change <json|@file>', 'the change as JSON, or @path to a JSON file (see docs/policy.md)')
    .action(async (options) => {
      const text = String(options.change).startsWith('@')
        ? readFileSync(String(options.change).slice(1), 'utf8')
        : String(options.change);
      let change: unknown;
      try {
        change = JSON.parse(text);
      } catch (error) {
        throw new CliError(`--change is not valid JSON: ${(error as Error).message}`);
      }
      console.log(JSON.stringify(await client().call('POST', '/policy/simulate', change), null, 2));
    });
}

function changesCommand(client: () => AdminHttpClient): Command {
  return new Command('changes')
    .description('the versioned history of policies, rules and groups: who, when, before and after')
    .option('--org <id>', "only changes to this organization's and its projects' policies")
    .option('--limit <n>', 'changes per page (1-200)', parseInteger, 50)
    .option('--after <version>', 'start after this version')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const query = new URLSearchParams({ limit: String(options.limit) });
      if (options.org !== undefined) query.set('organizationId', options.org);
      if (options.after !== undefined) query.set('after', options.after);
      const page = await client().call<{ data: Record<string, unknown>[]; has_more: boolean; last_id: string | null }>(
        'GET',
        `/policy/changes?${query.toString()}`,
      );
      if (options.json) return console.log(JSON.stringify(page, null, 2));
      const columns: Column<Record<string, unknown>>[] = ['version', 'createdAt', 'actor', 'kind', 'subjectId'].map(
        (key) => ({ header: key, value: (r) => r[key] }),
      );
      console.log(page.data.length === 0 ? '(no changes)' : formatTable(page.data, columns));
      if (page.has_more) console.log(`(more: --after ${page.last_id})`);
    });
}

/** `commonweal policy …`: residency policies, explain, simulate and the change history. */
export function policyCommand(client: () => AdminHttpClient): Command {
  const get = new Command('get')
    .description('show the residency policy of an organization, or of a project')
    .requiredOption('--org <id>', 'the organization')
    .option('--project <id>', "the project's own policy")
    .option('--json', 'print JSON')
    .action(async (options) => printRecord(await client().call('GET', policyPath(options)), options));
  const unset = new Command('unset')
    .description("remove a project's own policy: its organization's alone applies again")
    .requiredOption('--org <id>', 'the organization')
    .requiredOption('--project <id>', 'the project')
    .action(async (options) => printRecord(await client().call('DELETE', policyPath(options)), {}));
  return new Command('policy')
    .description(
      'residency policies: where requests may be processed, on what, with which models; explain and simulate decisions',
    )
    .addCommand(explainCommand(client))
    .addCommand(get)
    .addCommand(setCommand(client))
    .addCommand(unset)
    .addCommand(simulateCommand(client))
    .addCommand(changesCommand(client))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  commonweal policy explain --org ministry --model qwen2.5-7b-instruct\n' +
        '  commonweal policy set --org ministry --allow EU --deny-accelerators nvidia:H20\n' +
        '  commonweal policy set --org ministry --project research --allow FR\n' +
        '  commonweal policy simulate --change @proposed-rule.json',
    );
}
