import assert from 'node:assert/strict';
import { callAdmin } from './admin-client.js';

export interface WalkedPages {
  readonly ids: readonly string[];
  readonly pageCount: number;
}

/** A bound on the walk, so that a paging bug that never sets has_more to false fails instead of hanging. */
const pageCountMax = 1000;

/**
 * Follows `after` cursors through a list until has_more is false, checking on every
 * page that first_id, last_id and has_more agree with the data and that ids ascend.
 */
export async function walkPages(
  baseUrl: string,
  path: string,
  limit: number,
  token?: string | null,
): Promise<WalkedPages> {
  const ids: string[] = [];
  const separator = path.includes('?') ? '&' : '?';
  let after: string | undefined;
  for (let pageCount = 1; pageCount <= pageCountMax; pageCount++) {
    const query = `limit=${limit}${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
    const answer = await callAdmin(baseUrl, 'GET', `${path}${separator}${query}`, token === undefined ? {} : { token });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const page = answer.body;
    assert.equal(page.object, 'list');
    const pageIds: string[] = page.data.map((item: { id: string }) => item.id);
    assert.ok(pageIds.length <= limit, `page of ${pageIds.length} items exceeds limit ${limit}`);
    assert.equal(page.first_id, pageIds[0] ?? null);
    assert.equal(page.last_id, pageIds.at(-1) ?? null);
    if (page.has_more) assert.equal(pageIds.length, limit, 'a page that is not the last must be full');
    for (const id of pageIds) {
      const previous = ids.at(-1);
      if (previous !== undefined) assert.ok(previous < id, `ids must ascend: "${previous}" then "${id}"`);
      ids.push(id);
    }
    if (!page.has_more) return { ids, pageCount };
    after = page.last_id;
  }
  assert.fail(`listing ${path} did not end within ${pageCountMax} pages`);
}
