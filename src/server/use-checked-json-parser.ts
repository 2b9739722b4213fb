import type { FastifyInstance } from 'fastify';
import { checkJsonDepth } from '../gateway/index.js';
import { checkNoNulInJson } from './check-no-nul.js';

/**
 * Puts Fastify's own JSON parser (its prototype-poisoning guard at its defaults) behind
 * the nesting bound of /v1 and the refusal of NUL characters, so that neither a deep body
 * nor a NUL reaches validation or the store.
 */
export function useCheckedJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      checkJsonDepth(body as string);
      checkNoNulInJson(body as string);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
}
