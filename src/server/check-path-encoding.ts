import { CommonwealError } from '../errors/index.js';

/**
 * Refuses a path whose percent-escapes do not decode to UTF-8 (`%FF`, `%E0%A4`, a lone
 * `%`), before any handler sees it: a handler may then decode path segments freely. This
 * is the check Fastify makes for its own routes (FST_ERR_BAD_URL), applied to the routes
 * that bypass it.
 */
export function checkPathEncoding(path: string): void {
  if (!path.includes('%')) return;
  try {
    decodeURIComponent(path);
  } catch {
    throw new CommonwealError('invalid_request', `the path "${path.slice(0, 128)}" has a malformed percent-escape`);
  }
}
