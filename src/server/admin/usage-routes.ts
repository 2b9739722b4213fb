import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { UsageFilter } from '../../metering/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, requireOrganizationAccess } from './admin-principal.js';
import { dateOrInstant, PageQuery } from './common-schemas.js';
import { responses } from './response-schemas.js';
import { UsagePageSchema } from './usage-record-schemas.js';

export const FilterId = Type.String({ minLength: 1, maxLength: 128 });
export const StatusFilter = Type.Integer({ minimum: 100, maximum: 599, description: 'the HTTP status the client got' });
export const OutcomeFilter = Type.Union(
  ['success', 'client_aborted', 'upstream_error', 'rejected'].map((o) => Type.Literal(o)),
  { description: 'how the request ended' },
);

const UsageQuery = Type.Object(
  {
    limit: PageQuery.properties.limit,
    after: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'the last record id of the previous page; records come in the order they were written',
      }),
    ),
    organizationId: Type.Optional(FilterId),
    projectId: Type.Optional(FilterId),
    modelId: Type.Optional(FilterId),
    apiKeyId: Type.Optional(FilterId),
    siteId: Type.Optional(FilterId),
    status: Type.Optional(StatusFilter),
    outcome: Type.Optional(OutcomeFilter),
    since: Type.Optional(dateOrInstant('records created at or after this ISO 8601 instant (a date: midnight UTC)')),
    until: Type.Optional(dateOrInstant('records created before this ISO 8601 instant (a bare date is midnight UTC)')),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      default: 'asc',
      description: 'asc: oldest first, for exports; desc: newest first, for a request list (after then goes back)',
    }),
    totals: Type.Boolean({
      default: true,
      description: 'false leaves out totals and byModel, which read every matching record; a paged list needs none',
    }),
  },
  { additionalProperties: false },
);

type UsageQueryParams = Static<typeof UsageQuery>;

/**
 * An organization admin is confined to its own organization: naming another answers as
 * an absent one would, and naming none means its own. The operator's filter is taken as
 * given, even for an organization that no longer exists, because usage outlives the
 * records it names.
 */
function scopedFilter(principal: AdminPrincipal, query: UsageQueryParams): UsageFilter {
  const { limit: _limit, after: _after, order: _order, totals: _totals, ...filter } = query;
  if (principal.kind === 'operator') return filter;
  if (filter.organizationId !== undefined)
    requireOrganizationAccess(principal, filter.organizationId, 'organizationId');
  return { ...filter, organizationId: principal.organizationId };
}

export function usageRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: UsageQueryParams }>(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        description:
          'Usage records, one per request, paged by cursor. The console lists requests with order=desc and ' +
          'totals=false; its charts read /usage/series, which reads rollups instead of records.',
        querystring: UsageQuery,
        response: responses({ 200: UsagePageSchema }, 404),
      },
    },
    async (request) => {
      const filter = scopedFilter(request.principal, request.query);
      const { limit, after, order } = request.query;
      const page = await deps.usage.query(filter, { limit, after }, order === 'desc');
      if (!request.query.totals) return page;
      // Totals cover everything the filter matches, not only this page, so a report takes one request.
      const totals = await deps.usage.totals(filter);
      const byModel = await deps.usage.totalsByModel(filter);
      return { ...page, totals, byModel };
    },
  );
}
