import { Command, Option } from 'commander';
import type { AdminHttpClient } from './admin-http-client.js';
import { type Column, printRecord, printRows } from './output.js';
import { apiValue, parseInteger } from './option-parsers.js';

export interface FieldOption {
  /** Commander flags, e.g. `--home-jurisdiction <code>`. */
  readonly flags: string;
  readonly description: string;
  /** The JSON field of the API body this option sets. */
  readonly field: string;
  readonly parse?: (value: string) => unknown;
  readonly requiredOnCreate?: boolean;
  /** Only for create: the field cannot be changed afterwards. */
  readonly createOnly?: boolean;
  readonly defaultOnCreate?: string;
}

/** One admin API collection, described as data: the CLI's commands are built from it. */
export interface ResourceSpec {
  readonly name: string;
  readonly singular: string;
  readonly summary: string;
  /** Whether the collection lives inside an organization (`--org <id>`). */
  readonly inOrganization: boolean;
  readonly collection: string;
  readonly columns: readonly Column<Record<string, unknown>>[];
  readonly fields: readonly FieldOption[];
  /** Extra filters for `list`, sent as query parameters. */
  readonly listFilters?: readonly { readonly flags: string; readonly description: string; readonly query: string }[];
  readonly supportsUpdate: boolean;
  readonly deleteVerb?: string;
  /** Printed after a successful create, e.g. to say that a secret is shown only once. */
  readonly afterCreate?: (record: Record<string, unknown>, json: boolean) => void;
}

interface Page {
  readonly data: Record<string, unknown>[];
  readonly has_more: boolean;
  readonly last_id: string | null;
}

type ClientFactory = () => AdminHttpClient;

function collectionPath(spec: ResourceSpec, options: { org?: string }): string {
  return spec.inOrganization ? `/orgs/${encodeURIComponent(options.org!)}/${spec.collection}` : `/${spec.collection}`;
}

function bodyFrom(spec: ResourceSpec, options: Record<string, unknown>, forCreate: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of spec.fields) {
    if (!forCreate && field.createOnly) continue;
    const key = new Option(field.flags).attributeName();
    if (options[key] !== undefined) body[field.field] = apiValue(options[key]);
  }
  return body;
}

function addFieldOptions(command: Command, spec: ResourceSpec, forCreate: boolean): void {
  for (const field of spec.fields) {
    if (!forCreate && field.createOnly) continue;
    const option = new Option(field.flags, field.description);
    if (field.parse) option.argParser(field.parse);
    if (forCreate && field.requiredOnCreate) option.makeOptionMandatory();
    if (forCreate && field.defaultOnCreate !== undefined) option.default(field.defaultOnCreate);
    command.addOption(option);
  }
}

function withOrganization(command: Command, spec: ResourceSpec): Command {
  return spec.inOrganization ? command.requiredOption('--org <id>', 'the organization') : command;
}

export async function listAll(
  client: AdminHttpClient,
  path: string,
  query: URLSearchParams,
  all: boolean,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (;;) {
    const page = await client.call<Page>('GET', `${path}?${query.toString()}`);
    rows.push(...page.data);
    if (!all || !page.has_more || page.last_id === null) return rows;
    query.set('after', page.last_id);
  }
}

export function resourceCommand(spec: ResourceSpec, client: ClientFactory): Command {
  const command = new Command(spec.name).description(spec.summary);

  const list = withOrganization(new Command('list').description(`list ${spec.name}`), spec)
    .option('--limit <n>', 'items per page (1-200)', parseInteger, 50)
    .option('--after <id>', 'start after this id')
    .option('--all', 'follow pages until the end')
    .option('--json', 'print JSON');
  for (const filter of spec.listFilters ?? []) list.option(filter.flags, filter.description);
  list.action(async (options) => {
    const query = new URLSearchParams({ limit: String(options.limit) });
    if (options.after) query.set('after', options.after);
    for (const filter of spec.listFilters ?? []) {
      const value = options[new Option(filter.flags).attributeName()];
      if (value !== undefined) query.set(filter.query, String(value));
    }
    const rows = await listAll(client(), collectionPath(spec, options), query, Boolean(options.all));
    printRows(rows, spec.columns, options);
  });

  const idArgument = `the ${spec.singular}'s id`;
  const get = withOrganization(
    new Command('get').description(`show one ${spec.singular}`).argument('<id>', idArgument),
    spec,
  )
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      printRecord(await client().call('GET', `${collectionPath(spec, options)}/${encodeURIComponent(id)}`), options);
    });

  const create = withOrganization(
    new Command('create').description(`create ${withArticle(spec.singular)}`),
    spec,
  ).option('--json', 'print JSON');
  addFieldOptions(create, spec, true);
  create.action(async (options) => {
    const record = await client().call<Record<string, unknown>>(
      'POST',
      collectionPath(spec, options),
      bodyFrom(spec, options, true),
    );
    printRecord(record, options);
    spec.afterCreate?.(record, Boolean(options.json));
  });

  const remove = withOrganization(
    new Command('delete')
      .description(`${spec.deleteVerb ?? 'delete'} ${withArticle(spec.singular)}`)
      .argument('<id>', idArgument),
    spec,
  )
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      printRecord(await client().call('DELETE', `${collectionPath(spec, options)}/${encodeURIComponent(id)}`), options);
    });

  command.addCommand(list).addCommand(get).addCommand(create);
  if (spec.supportsUpdate) {
    const update = withOrganization(
      new Command('update').description(`change ${withArticle(spec.singular)}`).argument('<id>', idArgument),
      spec,
    ).option('--json', 'print JSON');
    addFieldOptions(update, spec, false);
    update.action(async (id: string, options) => {
      const body = bodyFrom(spec, options, false);
      printRecord(
        await client().call('PATCH', `${collectionPath(spec, options)}/${encodeURIComponent(id)}`, body),
        options,
      );
    });
    command.addCommand(update);
  }
  return command.addCommand(remove);
}

/** `an organization`, `an API key`, `a site`: the article goes by the first letter, which fits every resource name here. */
function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
