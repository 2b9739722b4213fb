import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CommonwealError } from '../errors/index.js';

/** Where `npm run build` puts the console: dist/console, beside dist/src. */
export const consoleBuildDir = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * No script but the console's own files, no inline script or style attribute from markup,
 * no framing, no form posting elsewhere: data shown by the console can never run as code.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secureHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', contentSecurityPolicy);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

/**
 * Serves the console's single-page app under /console/. Hashed assets are cached for good;
 * every other path is a page of the app and gets index.html, which is never cached, so a
 * new build is picked up at the next load. `/` leads to the console, whose sign-in page
 * links to the public transparency page.
 */
export async function consoleRoutes(app: FastifyInstance, dir: string = consoleBuildDir): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  if (!existsSync(`${dir}/index.html`)) {
    app.get('/console/*', { schema: { hide: true } }, async () => {
      throw new CommonwealError('not_found', 'the console is not built: run "npm run build", then restart the server');
    });
    return;
  }
  // Read once: the build does not change under a running server, and a lookup in a set costs no system call.
  const files = new Set(readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.replaceAll('\\', '/')));
  await app.register(fastifyStatic, { root: dir, serve: false, cacheControl: false });
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (request, reply) => {
    secureHeaders(reply);
    const path = request.params['*'];
    if (path.startsWith('assets/')) {
      if (!files.has(path)) throw new CommonwealError('not_found', `console asset "${path}" not found`);
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(path);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
