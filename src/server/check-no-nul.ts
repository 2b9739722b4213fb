import { CommonwealError } from '../errors/index.js';

/** A JSON `\u0000` escape that is not itself escaped: an even run of backslashes comes before it. */
const nulEscape = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * PostgreSQL text cannot hold a NUL character: a name or filter with one made the query
 * fail, a 500, where SQLite took it. No identifier or value of the management API needs
 * one, so a NUL is refused where text enters, in the URL (`%00`, the only way one can be
 * written there) and in a JSON body (`\u0000`), before any of it reaches the store.
 */
export function checkNoNulInUrl(url: string): void {
  if (url.includes('%00')) {
    const message = 'the URL holds a NUL character (%00), which no name or value may hold';
    throw new CommonwealError('invalid_request', message);
  }
}

export function checkNoNulInJson(text: string): void {
  if (text.includes('\\u0000') && nulEscape.test(text)) {
    const message = 'the request body holds a NUL character (\\u0000), which no value may hold';
    throw new CommonwealError('invalid_request', message);
  }
}
