import { Command } from 'commander';
import type { AdminHttpClient } from './admin-http-client.js';
import { parseInteger } from './option-parsers.js';
import { type Column, formatTable } from './output.js';

type UsageRow = { readonly id: string } & Record<string, unknown>;

interface Totals {
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  readonly creditsChargedMicro: number;
  readonly creditsWrittenOffMicro: number;
}

interface ModelTotals extends Totals {
  readonly modelId: string;
}

interface UsagePage {
  readonly object: 'list';
  readonly data: UsageRow[];
  readonly first_id: string | null;
  readonly last_id: string | null;
  readonly has_more: boolean;
  readonly totals: Totals;
  readonly byModel: ModelTotals[];
}

const recordColumns: readonly Column<UsageRow>[] = [
  { header: 'time', value: (r) => r.createdAt },
  { header: 'org', value: (r) => r.organizationId },
  { header: 'project', value: (r) => r.projectId },
  { header: 'model', value: (r) => r.modelId },
  { header: 'deployment', value: (r) => r.deploymentId },
  { header: 'site', value: (r) => r.siteId },
  { header: 'prompt', value: (r) => r.promptTokens },
  { header: 'completion', value: (r) => r.completionTokens },
  { header: 'charged micro', value: (r) => r.creditsChargedMicro },
  { header: 'written off micro', value: (r) => r.creditsWrittenOffMicro },
  { header: 'status', value: (r) => r.status },
  { header: 'outcome', value: (r) => r.outcome },
];

const totalColumns: readonly Column<{ readonly label: string } & Totals>[] = [
  { header: 'model', value: (r) => r.label },
  { header: 'requests', value: (r) => r.requests },
  { header: 'prompt tokens', value: (r) => r.promptTokens },
  { header: 'completion tokens', value: (r) => r.completionTokens },
  { header: 'total tokens', value: (r) => r.totalTokens },
  { header: 'charged micro', value: (r) => r.creditsChargedMicro },
  { header: 'written off micro', value: (r) => r.creditsWrittenOffMicro },
];

const filterOptions = [
  ['org', 'organizationId'],
  ['project', 'projectId'],
  ['model', 'modelId'],
  ['since', 'since'],
  ['until', 'until'],
] as const;

/** Fetches one page, or with `all` every page; the totals of the last page are the freshest. */
async function fetchUsage(client: AdminHttpClient, query: URLSearchParams, all: boolean): Promise<UsagePage> {
  const rows: UsageRow[] = [];
  for (;;) {
    const page = await client.call<UsagePage>('GET', `/usage?${query.toString()}`);
    rows.push(...page.data);
    if (!all || !page.has_more || page.last_id === null) {
      return { ...page, data: rows, first_id: rows[0]?.id ?? null };
    }
    query.set('after', page.last_id);
  }
}

function printUsage(page: UsagePage): void {
  console.log(page.data.length === 0 ? '(no usage records)' : formatTable(page.data, recordColumns));
  if (page.has_more) console.log(`(more records: --all, or --after ${page.last_id})`);
  console.log('\nTotals over every record the filter matches:');
  const rows = [...page.byModel.map((m) => ({ label: m.modelId, ...m })), { label: '(all models)', ...page.totals }];
  console.log(formatTable(rows, totalColumns));
}

export function usageCommand(client: () => AdminHttpClient): Command {
  return new Command('usage')
    .description('show metered requests and their token totals, overall and per model')
    .option('--org <id>', "only this organization's usage (an org admin key always sees only its own)")
    .option('--project <id>', 'only this project')
    .option('--model <id>', 'only this model')
    .option('--since <time>', 'records at or after this ISO 8601 time, e.g. 2027-01-01T00:00:00Z or 2027-01-01')
    .option('--until <time>', 'records before this ISO 8601 time (exclusive, so consecutive periods never overlap)')
    .option('--limit <n>', 'records per page (1-200)', parseInteger, 50)
    .option('--after <id>', 'start after this usage record id')
    .option('--all', 'follow pages until the end')
    .option('--json', 'print JSON: the records, then totals and byModel')
    .addHelpText(
      'after',
      '\nRecords are listed in the order they were written. The totals always cover every record the\n' +
        'filter matches, not only the records shown. A bare date means midnight UTC.\n\n' +
        'Examples:\n' +
        '  commonweal usage --org acme --since 2027-01-01 --until 2027-02-01\n' +
        '  commonweal usage --model qwen2.5-7b-instruct --all --json',
    )
    .action(async (options) => {
      const query = new URLSearchParams({ limit: String(options.limit) });
      for (const [option, param] of filterOptions)
        if (options[option] !== undefined) query.set(param, String(options[option]));
      if (options.after !== undefined) query.set('after', options.after);
      const page = await fetchUsage(client(), query, Boolean(options.all));
      if (options.json) console.log(JSON.stringify(page, null, 2));
      else printUsage(page);
    });
}
