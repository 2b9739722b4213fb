import { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  type RollupDimension,
  type RollupFilter,
  type RollupRange,
  rollupDimensions,
  toFigures,
} from '../../metering/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, requireOrganizationAccess } from './admin-principal.js';
import { CountryCode } from './common-schemas.js';
import { responses } from './response-schemas.js';
import { PeriodAnswer, PeriodProperties, rollupRange } from './rollup-period.js';
import { type UsageSeries, usageSeries } from './usage-series.js';
import { Figures, FiguresProperties } from './usage-schemas.js';
import { FilterId, OutcomeFilter, StatusFilter } from './usage-routes.js';

const tags = ['console'];
const topMax = 10;
const flowsMax = 500;

const FilterProperties = {
  organizationId: Type.Optional(FilterId),
  projectId: Type.Optional(FilterId),
  apiKeyId: Type.Optional(FilterId),
  modelId: Type.Optional(FilterId),
  siteId: Type.Optional(FilterId),
  jurisdiction: Type.Optional(CountryCode),
  status: Type.Optional(StatusFilter),
  outcome: Type.Optional(OutcomeFilter),
};

const OverviewQuery = Type.Object(
  { ...PeriodProperties, organizationId: Type.Optional(FilterId) },
  { additionalProperties: false },
);

const GroupBy = Type.Union(
  (Object.keys(rollupDimensions) as RollupDimension[]).map((d) => Type.Literal(d)),
  { description: 'the dimension each series is one value of' },
);

const SeriesQuery = Type.Object(
  {
    ...PeriodProperties,
    ...FilterProperties,
    groupBy: Type.Optional(GroupBy),
    groups: Type.Integer({
      minimum: 1,
      maximum: 50,
      default: 10,
      description: 'how many groups, those with the most requests, get a series; the rest are summed as key null',
    }),
  },
  { additionalProperties: false },
);

const FlowsQuery = Type.Object(
  { ...PeriodProperties, organizationId: Type.Optional(FilterId) },
  { additionalProperties: false },
);

const GroupKey = Type.Union([Type.String(), Type.Integer(), Type.Null()], {
  description: "the group's value; null sums the groups beyond the top ones",
});
const Point = Type.Object({ bucketStart: Type.String(), key: GroupKey, ...FiguresProperties });
const Top = Type.Array(Type.Object({ id: Type.String(), ...FiguresProperties }));

const Denial = Type.Object({
  reason: Type.String({ description: 'the error code the client received (docs/errors.md)' }),
  kind: Type.Union(['policy', 'budget', 'rate_limit', 'credits', 'auth', 'request'].map((k) => Type.Literal(k))),
  requests: Type.Integer({ minimum: 0 }),
  recorded: Type.Boolean({
    description: 'true: refused with a usage record (policy); false: refused before admission, counted apart',
  }),
});

const Overview = Type.Object({
  object: Type.Literal('console.overview'),
  ...PeriodAnswer,
  totals: Figures,
  series: Type.Array(Type.Object({ bucketStart: Type.String(), ...FiguresProperties })),
  topModels: Top,
  topOrganizations: Top,
  topSites: Top,
  denials: Type.Array(Denial),
});

const Series = Type.Object({
  object: Type.Literal('usage.series'),
  ...PeriodAnswer,
  groupBy: Type.Union([GroupBy, Type.Null()]),
  groups: Type.Array(Type.Object({ key: GroupKey, ...FiguresProperties })),
  points: Type.Array(Point),
});

const Flows = Type.Object({
  object: Type.Literal('usage.flows'),
  ...PeriodAnswer,
  flows: Type.Array(
    Type.Object({
      organizationId: Type.String(),
      homeJurisdiction: Type.Union([Type.String(), Type.Null()], {
        description: "the organization's home; null when it no longer exists",
      }),
      siteId: Type.String(),
      jurisdiction: Type.String({ description: 'where the site is' }),
      requests: Type.Integer({ minimum: 0 }),
      promptTokens: Type.Integer({ minimum: 0 }),
      completionTokens: Type.Integer({ minimum: 0 }),
    }),
  ),
  refusals: Type.Array(
    Type.Object({ organizationId: Type.String(), reason: Type.String(), requests: Type.Integer({ minimum: 0 }) }),
  ),
});

/** The filters of a query; the overview and the flows take only the organization. */
type FilterQuery = Partial<Static<typeof SeriesQuery>>;

/** The rollup filter a caller may use: an organization admin's is always its own organization. */
function scopedFilter(principal: AdminPrincipal, query: FilterQuery): RollupFilter {
  let organization = query.organizationId;
  if (principal.kind === 'org_admin') {
    if (organization !== undefined) requireOrganizationAccess(principal, organization, 'organizationId');
    organization = principal.organizationId;
  }
  return {
    organization,
    project: query.projectId,
    key: query.apiKeyId,
    model: query.modelId,
    site: query.siteId,
    jurisdiction: query.jurisdiction,
    status: query.status,
    outcome: query.outcome,
  };
}

const denialKinds: Readonly<Record<string, Static<typeof Denial>['kind']>> = Object.freeze({
  policy_denied: 'policy',
  no_compliant_deployment: 'policy',
  budget_exceeded: 'budget',
  rate_limit_exceeded: 'rate_limit',
  insufficient_credits: 'credits',
  ledger_limit_reached: 'credits',
  invalid_api_key: 'auth',
  forbidden: 'auth',
});

async function denials(deps: AdminDeps, range: RollupRange, filter: RollupFilter) {
  const recorded = await deps.rollups.groups(range, { ...filter, outcome: 'rejected' }, ['errorCode']);
  const counted = await deps.rollups.denials(range.from, range.to, filter.organization);
  const rows = [
    ...recorded.map((row) => ({ reason: String(row.keys[0]), requests: row.sums[0]!, recorded: true })),
    ...[...counted].map(([reason, requests]) => ({ reason, requests, recorded: false })),
  ];
  return rows
    .map((row) => ({ ...row, kind: denialKinds[row.reason] ?? 'request' }))
    .sort((a, b) => b.requests - a.requests);
}

async function overview(deps: AdminDeps, range: RollupRange, filter: RollupFilter): Promise<Static<typeof Overview>> {
  const series = await usageSeries(deps.rollups, range, filter, undefined, 1);
  const top = async (dimension: RollupDimension) =>
    (await deps.rollups.groups(range, filter, [dimension], { top: topMax })).map((row) => ({
      id: String(row.keys[0]),
      ...toFigures(row),
    }));
  return {
    object: 'console.overview',
    from: range.from,
    to: range.to,
    bucket: range.granularity,
    totals: series.groups[0]!,
    series: [...series.points],
    topModels: await top('model'),
    topOrganizations: await top('organization'),
    topSites: (await top('site')).filter((site) => site.id !== ''),
    denials: await denials(deps, range, filter),
  };
}

async function flows(deps: AdminDeps, range: RollupRange, filter: RollupFilter): Promise<Static<typeof Flows>> {
  const served = await deps.rollups.groups(range, filter, ['organization', 'site', 'jurisdiction'], {
    served: true,
    top: flowsMax,
  });
  const refused = await deps.rollups.groups(range, { ...filter, outcome: 'rejected' }, ['organization', 'errorCode'], {
    top: flowsMax,
  });
  const homes = new Map<string, string>();
  const organizations =
    filter.organization === undefined
      ? await deps.organizations.listAll()
      : [await deps.organizations.find(filter.organization)].filter((o) => o !== undefined);
  for (const organization of organizations) homes.set(organization.id, organization.homeJurisdiction);
  return {
    object: 'usage.flows',
    from: range.from,
    to: range.to,
    bucket: range.granularity,
    flows: served.map((row) => {
      const figures = toFigures(row);
      return {
        organizationId: String(row.keys[0]),
        homeJurisdiction: homes.get(String(row.keys[0])) ?? null,
        siteId: String(row.keys[1]),
        jurisdiction: String(row.keys[2]),
        requests: figures.requests,
        promptTokens: figures.promptTokens,
        completionTokens: figures.completionTokens,
      };
    }),
    refusals: refused.map((row) => ({
      organizationId: String(row.keys[0]),
      reason: String(row.keys[1]),
      requests: row.sums[0]!,
    })),
  };
}

const csvColumns = [
  'bucket_start',
  'key',
  'requests',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  'credits_priced_micro',
  'credits_charged_micro',
  'credits_written_off_micro',
  'latency_ms_mean',
  'latency_p50_ms',
  'latency_p99_ms',
  'first_byte_p50_ms',
  'first_byte_p99_ms',
] as const;

/** A CSV field: quoted when it holds a comma, quote or line break, and never read as a formula by a spreadsheet. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function* csvLines(series: UsageSeries): Generator<string> {
  yield `${csvColumns.join(',')}\r\n`;
  for (const p of series.points) {
    const fields = [
      p.bucketStart,
      p.key,
      p.requests,
      p.errors,
      p.promptTokens,
      p.completionTokens,
      p.creditsPricedMicro,
      p.creditsChargedMicro,
      p.creditsWrittenOffMicro,
      p.latencyMsMean,
      p.latencyP50Ms,
      p.latencyP99Ms,
      p.firstByteP50Ms,
      p.firstByteP99Ms,
    ];
    yield `${fields.map(csvField).join(',')}\r\n`;
  }
}

/** The console's charts: all read the rollups (docs/console-data.md), never the usage records. */
export function consoleRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof OverviewQuery> }>(
    '/console/overview',
    {
      schema: {
        tags,
        description:
          'The overview page: totals and a series of requests, tokens, credits, errors and latency percentiles; ' +
          'the top models, organizations and sites; refusals by reason. An organization admin sees its own.',
        querystring: OverviewQuery,
        response: responses({ 200: Overview }),
      },
    },
    async (request) => overview(deps, rollupRange(request.query), scopedFilter(request.principal, request.query)),
  );

  app.get<{ Querystring: Static<typeof SeriesQuery> }>(
    '/usage/series',
    {
      schema: {
        tags: ['usage', ...tags],
        description:
          'Usage over time, filtered by any dimension and split into one series per value of groupBy (the top ' +
          '`groups` by requests; the rest summed under key null), from the hourly or daily rollups.',
        querystring: SeriesQuery,
        response: responses({ 200: Series }),
      },
    },
    async (request) => {
      const { groupBy, groups } = request.query;
      const range = rollupRange(request.query);
      const series = await usageSeries(
        deps.rollups,
        range,
        scopedFilter(request.principal, request.query),
        groupBy,
        groups,
      );
      return {
        object: 'usage.series',
        from: range.from,
        to: range.to,
        bucket: range.granularity,
        groupBy: groupBy ?? null,
        groups: [...series.groups],
        points: [...series.points],
      };
    },
  );

  app.get<{ Querystring: Static<typeof SeriesQuery> }>(
    '/usage/export.csv',
    {
      schema: {
        tags: ['usage', ...tags],
        description: `The points of /usage/series with the same query, as CSV with the columns ${csvColumns.join(', ')}.`,
        querystring: SeriesQuery,
        response: responses({
          200: {
            description: 'CSV, one line per bucket and group, CRLF line ends',
            content: { 'text/csv': { schema: Type.String() } },
          },
        }),
      },
    },
    async (request, reply) => {
      const range = rollupRange(request.query);
      const filter = scopedFilter(request.principal, request.query);
      const series = await usageSeries(deps.rollups, range, filter, request.query.groupBy, request.query.groups);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="usage.csv"')
        .send(Readable.from(csvLines(series)));
    },
  );

  app.get<{ Querystring: Static<typeof FlowsQuery> }>(
    '/usage/flows',
    {
      schema: {
        tags: ['usage', ...tags],
        description:
          'The sovereignty map: requests from each organization (with its home jurisdiction) to each site that ' +
          `served it, the ${flowsMax} largest flows, and the requests refused by policy, by error code.`,
        querystring: FlowsQuery,
        response: responses({ 200: Flows }),
      },
    },
    async (request) => flows(deps, rollupRange(request.query), scopedFilter(request.principal, request.query)),
  );
}
