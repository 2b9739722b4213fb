import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { UsageFilter } from '../../metering/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, requireOrganizationAccess } from './admin-principal.js';
import { dateOrInstant, PageQuery } from './common-schemas.js';
import { responses } from './response-schemas.js';
import { UsagePageSchema } from './usage-record-schemas.js';

const FilterId = Type.String({ minLength: 1, maxLength: 128 });

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
    since: Type.Optional(dateOrInstant('records created at or after this ISO 8601 instant (a date: midnight UTC)')),
    until: Type.Optional(dateOrInstant('records created before this ISO 8601 instant (a bare date is midnight UTC)')),
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
  const { limit: _limit, after: _after, ...filter } = query;
  if (principal.kind === 'operator') return filter;
  if (filter.organizationId !== undefined)
    requireOrganizationAccess(principal, filter.organizationId, 'organizationId');
  return { ...filter, organizationId: principal.organizationId };
}

export function usageRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: UsageQueryParams }>(
    '/usage',
    { schema: { tags: ['usage'], querystring: UsageQuery, response: responses({ 200: UsagePageSchema }, 404) } },
    async (request) => {
      const filter = scopedFilter(request.principal, request.query);
      const page = await deps.usage.query(filter, { limit: request.query.limit, after: request.query.after });
      // Totals cover everything the filter matches, not only this page, so a report takes one request.
      const totals = await deps.usage.totals(filter);
      const byModel = await deps.usage.totalsByModel(filter);
      return { ...page, totals, byModel };
    },
  );
}
