import { secretVariableFor } from '../../config/index.js';
import type { AdminHttpClient } from '../admin-http-client.js';
import { type DeclaredItem, declaredSchemas, type PlatformList } from './declared-schemas.js';
import type { CurrentItem, ResourceKind } from './resource-kind.js';
import { sameValue } from './same-value.js';
import { organizationPath, type ServerReader, type ServerRecord } from './server-reader.js';

const at = encodeURIComponent;

/** A server record in its declared form: the declarable fields it has, without nulls (absent means the same). */
function declaredForm(list: PlatformList, record: ServerRecord): DeclaredItem {
  const fields = Object.keys(declaredSchemas[list].properties);
  return Object.fromEntries(fields.filter((f) => record[f] != null).map((f) => [f, record[f]]));
}

function only(item: DeclaredItem, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, item[f] ?? null]));
}

function without(item: DeclaredItem, ...fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([f]) => !fields.includes(f)));
}

interface CollectionOptions {
  readonly keep?: (record: ServerRecord) => boolean;
  readonly declaredForm?: (record: ServerRecord) => DeclaredItem;
  readonly fixedFields?: Readonly<Record<string, string>>;
}

/** A top-level collection with ids chosen by the client: create, PATCH, DELETE by id. */
function collection(noun: string, list: PlatformList, path: string, options: CollectionOptions = {}): ResourceKind {
  return {
    noun,
    ...(options.fixedFields ? { fixedFields: options.fixedFields } : {}),
    key: (item) => String(item.id),
    async read(server) {
      const records = (await server.pages(path)).filter(options.keep ?? (() => true));
      return records.map((r) => ({
        declared: options.declaredForm?.(r) ?? declaredForm(list, r),
        path: `${path}/${at(String(r.id))}`,
      }));
    },
    create: async (client, item) => void (await client.call('POST', path, item)),
    update: async (client, item, fields, current) =>
      void (await client.call('PATCH', current.path, only(item, fields))),
    delete: async (client, current) => void (await client.call('DELETE', current.path)),
  };
}

const recreate = 'delete it and declare it again under a new id, or delete it first (apply --prune without it)';

const deployments = collection('deployment', 'deployments', '/deployments', {
  // The server gives back only whether a key is set; an export names where to put it.
  declaredForm: (record) => ({
    ...declaredForm('deployments', record),
    ...(record.hasUpstreamApiKey === true
      ? { upstreamApiKey: `env:${secretVariableFor('deployment', String(record.id))}` }
      : {}),
  }),
  fixedFields: {
    modelId: `a deployment's model cannot change: ${recreate}`,
    siteId: `a deployment's site cannot change: ${recreate}`,
    kind: `a deployment's kind cannot change: ${recreate}`,
  },
});

const projects: ResourceKind = {
  noun: 'project',
  key: (item) => `${String(item.organizationId)}/${String(item.id)}`,
  read: (server) =>
    server.perOrganization(async (organizationId) =>
      (await server.projects(organizationId)).map((r) => ({
        declared: declaredForm('projects', r),
        path: `${organizationPath(organizationId)}/projects/${at(String(r.id))}`,
      })),
    ),
  create: async (client, item) =>
    void (await client.call(
      'POST',
      `${organizationPath(String(item.organizationId))}/projects`,
      without(item, 'organizationId'),
    )),
  update: async (client, item, fields, current) => void (await client.call('PATCH', current.path, only(item, fields))),
  delete: async (client, current) => void (await client.call('DELETE', current.path)),
};

/** What each clause of a residency policy is when absent: open. */
const openPolicy = {
  allowedJurisdictions: null,
  deniedJurisdictions: [],
  requireAccelerators: [],
  denyAccelerators: [],
  allowedModelLicenses: null,
  allowedModelOrigins: null,
};

function policyPath(item: DeclaredItem): string {
  const organization = organizationPath(String(item.organizationId));
  return item.projectId === undefined
    ? `${organization}/policy`
    : `${organization}/projects/${at(String(item.projectId))}/policy`;
}

/** A clause at its open value says nothing, so the declared form leaves it out. */
function withoutOpenClauses(policy: DeclaredItem): DeclaredItem {
  const clauses = openPolicy as Record<string, unknown>;
  return Object.fromEntries(Object.entries(policy).filter(([f, v]) => !(f in clauses && sameValue(v, clauses[f]))));
}

async function readPolicies(server: ServerReader, organizationId: string): Promise<CurrentItem[]> {
  const organization = organizationPath(organizationId);
  const projectIds = (await server.projects(organizationId)).map((p) => String(p.id));
  const records = [await server.client.call<ServerRecord>('GET', `${organization}/policy`)];
  // One project after another: organizations are already read several at a time.
  for (const id of projectIds) {
    // A project without a policy of its own answers 404: its organization's applies.
    const own = await server.optional(`${organization}/projects/${at(id)}/policy`);
    if (own !== undefined) records.push(own);
  }
  return records.map((r) => {
    const declared = withoutOpenClauses(declaredForm('policies', r));
    return { declared, path: policyPath(declared) };
  });
}

const putPolicy = async (client: AdminHttpClient, item: DeclaredItem) =>
  void (await client.call('PUT', policyPath(item), without(item, 'organizationId', 'projectId')));

const policies: ResourceKind = {
  noun: 'policy',
  key: (item) =>
    item.projectId === undefined
      ? String(item.organizationId)
      : `${String(item.organizationId)}/${String(item.projectId)}`,
  read: (server) => server.perOrganization((organizationId) => readPolicies(server, organizationId)),
  // A policy is replaced whole: a clause left out is open, not kept.
  create: putPolicy,
  update: putPolicy,
  delete: async (client, current) => void (await client.call('DELETE', current.path)),
  // An organization always has a policy, so a file that declares none leaves it as it is.
  leftAloneWhenAbsent: (current) => current.declared.projectId === undefined,
  normalize: (item) => ({ ...openPolicy, ...item }),
};

/** A fixed window's bounds as instants, so that `…T00:00Z` and `…T00:00:00.000Z` are one budget. */
function instant(value: unknown): string {
  return value === undefined ? '' : new Date(String(value)).toISOString();
}

const budgets: ResourceKind = {
  noun: 'budget',
  key(item) {
    const { organizationId, scope, period } = item as Record<string, string>;
    const window = period === 'window' ? `/${instant(item.startsAt)}..${instant(item.endsAt)}` : '';
    return `${organizationId}/${scope}:${String(item.scopeId ?? organizationId)}/${period}${window}`;
  },
  read: (server) =>
    server.perOrganization(async (organizationId) =>
      (await server.whole(`${organizationPath(organizationId)}/budgets`))
        .filter((r) => r.scope !== 'key')
        .map((r) => ({
          declared: declaredForm('budgets', r),
          path: `${organizationPath(organizationId)}/budgets/${at(String(r.id))}`,
        })),
    ),
  create: async (client, item) =>
    void (await client.call(
      'POST',
      `${organizationPath(String(item.organizationId))}/budgets`,
      without(item, 'organizationId'),
    )),
  // What a budget has spent is read from the ledger's charges, so a replaced budget keeps counting them.
  async update(client, item, _fields, current) {
    await client.call('DELETE', current.path);
    await budgets.create(client, item);
  },
  updateNote: 'replaced: budgets have no update',
  delete: async (client, current) => void (await client.call('DELETE', current.path)),
  normalize: (item) => ({ ...item, scopeId: item.scopeId ?? item.organizationId }),
};

const rateLimits: ResourceKind = {
  noun: 'rate limit',
  key: (item) => `${String(item.organizationId)}/${String(item.scope)}:${String(item.scopeId)}`,
  read: (server) =>
    server.perOrganization(async (organizationId) =>
      (await server.whole(`${organizationPath(organizationId)}/rate-limits`))
        .filter((r) => r.scope !== 'key')
        .map((r) => ({
          declared: declaredForm('rateLimits', r),
          path: `${organizationPath(organizationId)}/rate-limits`,
        })),
    ),
  create: async (client, item) =>
    void (await client.call(
      'POST',
      `${organizationPath(String(item.organizationId))}/rate-limits`,
      without(item, 'organizationId'),
    )),
  // The server changes only the limits a call names and keeps the other.
  update: async (client, item, fields, current) =>
    void (await client.call('POST', current.path, { scope: item.scope, scopeId: item.scopeId, ...only(item, fields) })),
  delete: async (client, current) =>
    void (await client.call('POST', current.path, {
      scope: current.declared.scope,
      scopeId: current.declared.scopeId,
      requestsPerMinute: null,
      tokensPerMinute: null,
    })),
};

const programs: ResourceKind = {
  noun: 'program',
  key: (item) => String(item.id),
  read: async (server) =>
    (await server.whole('/programs')).map((r) => ({
      declared: declaredForm('programs', r),
      path: `/programs/${at(String(r.id))}`,
    })),
  create: async (client, item) => void (await client.call('POST', '/programs', item)),
  update: 'a program cannot be changed once created: the admin API has no update for programs',
  delete: 'the admin API cannot delete programs (their pools hold credits)',
};

/** Every list of a platform file and how it is applied, in the order `platformLists` applies them. */
export const resourceKinds: Readonly<Record<PlatformList, ResourceKind>> = {
  jurisdictionGroups: collection('jurisdiction group', 'jurisdictionGroups', '/jurisdiction-groups', {
    keep: (record) => record.builtIn !== true,
  }),
  sites: collection('site', 'sites', '/sites'),
  models: collection('model', 'models', '/models'),
  deployments,
  organizations: collection('organization', 'organizations', '/orgs'),
  projects,
  policies,
  rules: { ...collection('rule', 'rules', '/policy/rules'), ordered: true },
  budgets,
  rateLimits,
  programs,
};
