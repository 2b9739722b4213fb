import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminChangeInput } from '../../audit/index.js';
import { acceleratorVendors, type Site } from '../../catalog/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, notFound, requireOperator } from './admin-principal.js';
import { CountryCode, deleted, Name, PageQuery, RecordId } from './common-schemas.js';
import { assertCountryCode } from './country-code.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { SiteSchema } from './catalog-schemas.js';

const OptionalPlace = Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]));
const Accelerator = Type.Object(
  {
    vendor: Type.Union(acceleratorVendors.map((v) => Type.Literal(v))),
    type: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. H200, MI300X, Ascend 910B' }),
    count: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);
const siteFields = {
  region: OptionalPlace,
  city: OptionalPlace,
  accelerators: Type.Optional(Type.Array(Accelerator, { maxItems: 64 })),
  powerKw: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100_000_000 }), Type.Null()])),
};
const SiteCreate = Type.Object(
  { id: RecordId, name: Name, jurisdiction: CountryCode, ...siteFields },
  { additionalProperties: false },
);
const SitePatch = Type.Object(
  { name: Type.Optional(Name), jurisdiction: Type.Optional(CountryCode), ...siteFields },
  { additionalProperties: false, minProperties: 1 },
);
const SiteParams = Type.Object({ siteId: Type.String() });

/** A site change as a leaf of the transparency log; sites belong to no organization. */
function change(
  actor: AdminPrincipal,
  action: string,
  resourceId: string,
  before: Site | null,
  after: Site | null,
): AdminChangeInput {
  return { actor, action, resource: 'site', resourceId, organizationId: null, before, after };
}

/** Sites are the operator's to manage; organization admins may read them to see where they can be served. */
export function siteRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/sites',
    { schema: { tags: ['sites'], querystring: PageQuery, response: responses({ 200: PageOf(SiteSchema) }) } },
    async (request) => deps.sites.list(request.query),
  );

  app.post<{ Body: Static<typeof SiteCreate> }>(
    '/sites',
    { schema: { tags: ['sites'], body: SiteCreate, response: responses({ 201: SiteSchema }, 409, 413) } },
    async (request, reply) => {
      requireOperator(request.principal);
      assertCountryCode(request.body.jurisdiction, 'jurisdiction');
      const site = await deps.audit.commit(async (tx) => {
        const created = await deps.sites.create(tx, request.body);
        return { result: created, change: change(request.principal, 'create', created.id, null, created) };
      });
      await deps.onCatalogChange();
      return reply.code(201).send(site);
    },
  );

  app.get<{ Params: Static<typeof SiteParams> }>(
    '/sites/:siteId',
    { schema: { tags: ['sites'], params: SiteParams, response: responses({ 200: SiteSchema }, 404) } },
    async (request) => {
      const site = await deps.sites.find(request.params.siteId);
      if (!site) throw notFound('site', request.params.siteId);
      return site;
    },
  );

  app.patch<{ Params: Static<typeof SiteParams>; Body: Static<typeof SitePatch> }>(
    '/sites/:siteId',
    {
      schema: {
        tags: ['sites'],
        params: SiteParams,
        body: SitePatch,
        response: responses({ 200: SiteSchema }, 404, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      assertCountryCode(request.body.jurisdiction, 'jurisdiction');
      const site = await deps.audit.commit(async (tx) => {
        const updated = await deps.sites.update(tx, request.params.siteId, request.body);
        if (!updated) throw notFound('site', request.params.siteId);
        const leaf = change(request.principal, 'update', updated.after.id, updated.before, updated.after);
        return { result: updated.after, change: leaf };
      });
      await deps.onCatalogChange();
      return site;
    },
  );

  app.delete<{ Params: Static<typeof SiteParams> }>(
    '/sites/:siteId',
    { schema: { tags: ['sites'], params: SiteParams, response: responses({ 200: DeletedSchema }, 404, 409) } },
    async (request) => {
      requireOperator(request.principal);
      const { siteId } = request.params;
      await deps.audit.commit(async (tx) => {
        const before = await deps.sites.delete(tx, siteId);
        if (!before) throw notFound('site', siteId);
        return { result: undefined, change: change(request.principal, 'delete', siteId, before, null) };
      });
      await deps.onCatalogChange();
      return deleted('site', siteId);
    },
  );
}
