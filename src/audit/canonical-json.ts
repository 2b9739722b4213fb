/**
 * The JSON Canonicalization Scheme (RFC 8785) for the values a log entry holds: objects
 * with their keys sorted by UTF-16 code units, arrays in order, strings and numbers as
 * ECMAScript's JSON.stringify writes them (which is what RFC 8785 prescribes), no
 * whitespace. Two parties that hold the same value get the same bytes, so a receipt
 * can be hashed again by anyone, in any language, from its JSON.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, 0);
}

/** Entries are a few levels deep; a deeper value is a bug, not data. */
const depthMax = 32;

/** Printable ASCII but `"` and `\\`: such a string is its own JSON spelling between quotes. */
const plainAscii = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A receipt is written once per request, so the common cases skip JSON.stringify's per-call cost. */
function quote(text: string): string {
  return plainAscii.test(text) ? `"${text}"` : JSON.stringify(text);
}

function serialize(value: unknown, depth: number): string {
  if (depth > depthMax) throw new TypeError(`canonical JSON is limited to ${depthMax} levels`);
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no spelling for ${value}`);
    // For finite numbers String() and JSON.stringify() agree, and both are RFC 8785's spelling.
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => serialize(item, depth + 1)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, which is the order RFC 8785 asks for.
    const keys = Object.keys(record).sort();
    let out = '';
    for (const key of keys) {
      if (record[key] === undefined) continue;
      out += `${out === '' ? '' : ','}${quote(key)}:${serialize(record[key], depth + 1)}`;
    }
    return `{${out}}`;
  }
  throw new TypeError(`canonical JSON has no spelling for a ${typeof value}`);
}
