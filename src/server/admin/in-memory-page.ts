import { CommonwealError } from '../../errors/index.js';
import { type Page, type PageRequest, toPage } from '../../store/index.js';

/**
 * A page of a list held in memory, in its own order: `after` names the last item of
 * the previous page. For short, ordered lists such as rules, whose order is not their ids'.
 */
export function inMemoryPage<T extends { readonly id: string }>(items: readonly T[], page: PageRequest): Page<T> {
  let start = 0;
  if (page.after !== undefined) {
    const index = items.findIndex((item) => item.id === page.after);
    if (index === -1)
      throw new CommonwealError('invalid_request', `after: "${page.after}" is not in the list`, { param: 'after' });
    start = index + 1;
  }
  return toPage(items.slice(start, start + page.limit + 1), page.limit);
}
