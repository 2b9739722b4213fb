import type { paths } from './generated/admin-api';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The JSON a successful call of `method path` answers, as the server's OpenAPI document declares it. */
export type Answer<P extends keyof paths, M extends Method = 'get'> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { 'application/json': infer T } } }
    ? T
    : R extends { 201: { content: { 'application/json': infer T } } }
      ? T
      : never
  : never;
