import { Type } from '@sinclair/typebox';
import { Closed, Instant, Nullable, StringEnum } from './response-schemas.js';

/** The answers about organizations, projects and API keys, as src/tenancy defines them. */

export const OrganizationSchema = Closed({
  object: Type.Literal('organization'),
  id: Type.String(),
  name: Type.String(),
  homeJurisdiction: Type.String({ description: 'ISO 3166-1 alpha-2 country code' }),
  createdAt: Instant,
  updatedAt: Instant,
});

export const ProjectSchema = Closed({
  object: Type.Literal('project'),
  id: Type.String(),
  organizationId: Type.String(),
  name: Type.String(),
  createdAt: Instant,
  updatedAt: Instant,
});

const apiKeyFields = {
  object: Type.Literal('api_key'),
  id: Type.String(),
  organizationId: Type.String(),
  projectId: Nullable(Type.String()),
  role: StringEnum(['project', 'org_admin'] as const),
  name: Nullable(Type.String()),
  prefix: Type.String({ description: 'the visible start of the secret, to recognise a key in lists' }),
  expiresAt: Nullable(Instant),
  revokedAt: Nullable(Instant),
  createdAt: Instant,
};

/** A key as every answer but its creation shows it: never its secret. */
export const ApiKeySchema = Closed(apiKeyFields);

/** The answer to creating a key: the one time its secret is shown. */
export const CreatedApiKeySchema = Closed({
  ...apiKeyFields,
  secret: Type.String({ description: 'shown once, here; store it now' }),
});
