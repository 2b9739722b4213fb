import { CommonwealError } from '../errors/index.js';

/**
 * How deep a request body's arrays and objects may nest. OpenAI bodies need a handful of
 * levels, and a tool's JSON schema a few dozen at most; thousands would overflow the stack
 * of whatever serializes or walks the body later (JSON.stringify does at about 5,000).
 */
export const jsonDepthMax = 64;

const quote = 0x22;
const backslash = 0x5c;
const openers = new Set([0x5b, 0x7b]);
const closers = new Set([0x5d, 0x7d]);

/**
 * Refuses JSON text whose nesting is deeper than `jsonDepthMax`, with one linear pass over
 * the text before it is parsed, so that no recursion ever meets the deep value. Brackets
 * inside strings do not count; malformed text is left for the parser to refuse.
 */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === backslash) i++;
      else if (c === quote) inString = false;
    } else if (c === quote) {
      inString = true;
    } else if (openers.has(c)) {
      if (++depth > jsonDepthMax) {
        throw new CommonwealError('invalid_request', `the request body is nested deeper than ${jsonDepthMax} levels`);
      }
    } else if (closers.has(c)) {
      depth--;
    }
  }
}
